package iotapi

import (
	"sync"
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
	c = newConfig([]Option{WithMaxRetries(-3), WithMaxRetryAfter(-1), WithRetryBudget(-5)})
	assert.Zero(t, c.maxRetries)
	assert.Zero(t, c.maxRetryAfter)
	assert.Nil(t, newBudget(c.budget))
}

func TestBudget(t *testing.T) {
	b := newBudget(12)
	held, ok := b.take(5)
	assert.True(t, ok)
	assert.Equal(t, int64(5), held)
	_, ok = b.take(5)
	assert.True(t, ok)
	_, ok = b.take(5)
	assert.False(t, ok, "2 tokens left")
	b.refund(held)
	assert.Equal(t, int64(7), b.tokens.Load(), "a successful retry gives back what it held")
	b.refund(0)
	assert.Equal(t, int64(8), b.tokens.Load(), "a first-try success earns one token")
	b.refund(100)
	assert.Equal(t, int64(12), b.tokens.Load(), "capped at capacity")

	var nilBudget *budget
	_, ok = nilBudget.take(1000)
	assert.True(t, ok)
	nilBudget.refund(1)
}

func TestBudget_Concurrent(t *testing.T) {
	b := newBudget(1000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				if _, ok := b.take(5); ok {
					mu.Lock()
					got++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 200, got, "exactly capacity/cost retries are granted")
}
