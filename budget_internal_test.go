package iotapi

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// spent returns the retries counted in the window.
func (b *budget) spent() int64 {
	if b == nil {
		return 0
	}
	_, epoch := b.current()
	var n int64
	for i := range b.slots {
		if s := &b.slots[i]; epoch-s.epoch.Load() < budgetSlots {
			n += s.retries.Load()
		}
	}
	return n
}

// fakeClock is a settable fakeClock for budget tests.
type fakeClock struct{ t atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.t.Add(int64(d)) }

func TestBudget_FloorThenRatio(t *testing.T) {
	clk := &fakeClock{}
	clk.t.Store(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	b := newBudget(RetryBudget{Ratio: 0.5, Floor: 2, Window: 10 * time.Second}, clk.now)
	assert.True(t, b.take(1))
	assert.True(t, b.take(1))
	assert.False(t, b.take(1), "the floor is spent and nothing went well")

	for i := 0; i < 4; i++ {
		b.answered(200)
	}
	b.answered(503)
	b.answered(429)
	b.answered(404) // a definite answer: the vendor is up
	assert.True(t, b.take(2), "five healthy answers pay for 2.5 retries")
	assert.False(t, b.take(1))

	clk.advance(9 * time.Second)
	assert.False(t, b.take(1), "still in the window")
	clk.advance(2 * time.Second)
	assert.True(t, b.take(2), "the old slots have left the window: the floor again")
	assert.False(t, b.take(1))
	assert.Equal(t, int64(2), b.spent())

	var off *budget
	assert.True(t, off.take(100))
	off.answered(200)
}

func TestBudget_ConcurrentRetriesCannotOverdraw(t *testing.T) {
	b := newBudget(RetryBudget{Ratio: 0.5, Floor: 20, Window: time.Minute}, time.Now)
	var wg sync.WaitGroup
	var granted atomic.Int64
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				if b.take(1) {
					granted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(20), granted.Load(), "exactly the floor")
}

func TestRetryBudget_Bounds(t *testing.T) {
	assert.Equal(t, DefaultRetryBudget, RetryBudget{}.withDefaults())
	got := RetryBudget{Ratio: -1, Floor: -5, Window: time.Nanosecond}.withDefaults()
	assert.Equal(t, RetryBudget{Ratio: 0, Floor: 0, Window: time.Second}, got)
	got = RetryBudget{Ratio: 1, Window: 1000 * time.Hour}.withDefaults()
	assert.Equal(t, time.Hour, got.Window)
}
