package iotapi

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWindowLimiter_Promise drives a WindowLimiter's log on a simulated
// clock, for limits of 1 to 75 calls, windows from a nanosecond to the
// clock's whole range and with and without a burst rule: calls come at
// random times, alone and in bursts, and some give their moment back
// before it comes. However they come, no window of the limit's length
// (plus the jitter allowance) holds more than Requests of the moments
// kept, nor a burst window more than Burst; and a call finds no wait
// whenever the last window has room and no call is waiting.
func TestWindowLimiter_Promise(t *testing.T) {
	limits := []RateLimit{
		{Requests: 1, Per: time.Second}, {Requests: 2, Per: time.Second}, {Requests: 3, Per: 7 * time.Millisecond},
		{Requests: 75, Per: 10 * time.Second}, {Requests: 10, Per: time.Second, Burst: 5},
		{Requests: 7, Per: time.Minute, Burst: 2}, {Requests: 2, Per: time.Second, Burst: 1},
		{Requests: 1, Per: time.Nanosecond}, {Requests: 5, Per: 3 * time.Nanosecond, Burst: 2},
		{Requests: 1, Per: math.MaxInt64}, {Requests: 3, Per: math.MaxInt64 - 1, Burst: 1},
		{Requests: math.MaxInt, Per: time.Hour}, {Requests: 4, Per: math.MaxInt64 / 2},
	}
	for _, rl := range limits {
		rng := rand.New(rand.NewPCG(1, uint64(rl.Requests)))
		l := rl.NewLimiter()
		var kept []time.Duration // the moments of calls that went or wait
		now := time.Duration(0)
		step := max(1, min(rl.Per, time.Hour)/time.Duration(min(rl.Requests, 1000)))
		for i := 0; i < 3000 && now < never/2; i++ {
			switch r := rng.IntN(10); {
			case r < 3: // time passes: a little, a window or more
				now += time.Duration(rng.Int64N(int64(step) * 3))
			case r < 4:
				now += time.Duration(rng.Int64N(int64(min(rl.Per, time.Hour)) * 2))
			case r < 5: // a waiting call, any of them, gives up
				if waiting := kept[sort.Search(len(kept), func(i int) bool { return kept[i] > now }):]; len(waiting) > 0 {
					j := len(kept) - len(waiting) + rng.IntN(len(waiting))
					l.giveBack(kept[j])
					kept = slices.Delete(kept, j, j+1)
				}
				continue
			}
			free := l.last <= now && l.hasRoom(now)
			slot := l.next(now)
			if free {
				require.Equal(t, now, slot, "%+v: a call with room in the window does not wait", rl)
			}
			if slot == never {
				continue
			}
			l.take(slot)
			kept = append(kept, slot)
		}
		require.NotEmpty(t, kept)
		assertWithin(t, kept, rl)
		if b := rl.BurstLimit(); b.limited() {
			assertWithin(t, kept, b)
		}
	}
}

// hasRoom reports whether every window has room at now.
func (l *WindowLimiter) hasRoom(now time.Duration) bool {
	for _, w := range l.windows {
		n := 0
		for _, at := range w.log[w.head:] {
			if addSat(at, w.span) > now {
				n++
			}
		}
		if n >= w.n {
			return false
		}
	}
	return true
}

// assertWithin checks that no Requests+1 of the moments fit in a window
// of Per plus the jitter allowance.
func assertWithin(t *testing.T, moments []time.Duration, rl RateLimit) {
	t.Helper()
	moments = slices.Clone(moments)
	slices.Sort(moments)
	span := addSat(rl.Per, rl.JitterAllowance())
	for i := rl.Requests; i < len(moments); i++ {
		if moments[i]-moments[i-rl.Requests] < span {
			t.Fatalf("%+v: %d moments within %v: %v to %v", rl, rl.Requests+1, span, moments[i-rl.Requests], moments[i])
		}
	}
}

// An AdaptiveLimiter at any rate keeps its calls within the documented
// limit: a halved rate keeps fewer calls per window, never more.
func TestAdaptiveLimiter_Promise(t *testing.T) {
	rl := RateLimit{Requests: 10, Per: time.Second}
	a := NewAdaptiveLimiter(rl)
	var kept []time.Duration
	now := time.Duration(0)
	for i := 0; i < 2000; i++ {
		switch {
		case i%97 == 0:
			a.lastDecrease = time.Time{}
			a.Throttled()
		case i%3 == 0:
			a.Succeeded()
		}
		now += time.Duration(i%7) * 10 * time.Millisecond
		slot := a.l.next(now)
		a.l.take(slot)
		kept = append(kept, slot)
	}
	assertWithin(t, kept, rl)
	assert.Less(t, a.Rate(), 10.0)
}
