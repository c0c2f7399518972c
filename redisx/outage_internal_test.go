package redisx

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestOutage(t *testing.T) {
	var o outage
	assert.False(t, o.active())
	assert.True(t, o.begin(30*time.Millisecond), "a new outage")
	assert.True(t, o.active())
	assert.False(t, o.begin(30*time.Millisecond), "the same outage: not logged again")
	time.Sleep(40 * time.Millisecond)
	assert.False(t, o.active(), "Redis is tried again")
	assert.True(t, o.begin(time.Second), "a later failure is a new outage")
}
