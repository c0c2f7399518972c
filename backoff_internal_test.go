package iotapi

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBackoff_Bounds(t *testing.T) {
	for _, r := range []float64{0, 0.5, 0.999999} {
		c := newConfig([]Option{WithBackoff(time.Second, 20*time.Second), WithRand(func() float64 { return r })})
		for n, lo := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second} {
			got := c.backoff(n)
			assert.GreaterOrEqual(t, got, lo, "retry %d", n)
			assert.LessOrEqual(t, got, min(2*lo, 20*time.Second), "retry %d", n)
		}
		assert.Equal(t, 20*time.Second, c.backoff(5))
		assert.Equal(t, 20*time.Second, c.backoff(1000), "no overflow")
	}
}

func TestWithBackoff_Defaults(t *testing.T) {
	c := newConfig([]Option{WithBackoff(0, -1)})
	assert.Equal(t, DefaultMinBackoff, c.minBackoff)
	assert.Equal(t, DefaultMaxBackoff, c.maxBackoff)
	c = newConfig([]Option{WithBackoff(time.Minute, time.Second)})
	assert.Equal(t, time.Minute, c.maxBackoff, "max below min is raised")
	c = newConfig([]Option{WithMaxRetries(-3), WithMaxRetryAfter(-1), WithoutRetryBudget()})
	assert.Zero(t, c.maxRetries)
	assert.Zero(t, c.maxRetryAfter)
	assert.Nil(t, c.budget)
}
