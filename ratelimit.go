package iotapi

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iotapi/iotapi/internal/sleep"
)

// A Limiter paces requests before they are sent. [WindowLimiter] (from
// [RateLimit.NewLimiter]), [AdaptiveLimiter] and shared limiters such as a
// Redis-backed one satisfy it, and so does a *rate.Limiter from
// golang.org/x/time/rate, though its error for a wait that would pass the
// deadline does not match context.DeadlineExceeded.
type Limiter interface {
	// Wait blocks until a request may be sent, or ctx ends.
	Wait(ctx context.Context) error
}

// A FeedbackLimiter also learns from the vendor's answers: the client calls
// Throttled after each 429 and Succeeded after each response below 400.
type FeedbackLimiter interface {
	Limiter
	Throttled()
	Succeeded()
}

// WithRateLimit makes every attempt, retries included, wait for l before it
// is sent; the wait ends with the request's context. Use a vendor's
// recommended setting (dt.RateLimit.NewLimiter(), ...), an AdaptiveLimiter,
// or a limiter shared between replicas. A limiter serves one vendor account:
// share it between the clients that use that account.
func WithRateLimit(l Limiter) Option {
	return func(c *config) { c.limiter = l }
}

// A RateLimit is a vendor's documented request limit: at most Requests in
// any window of length Per and, when Burst is set, at most Burst in a
// burst.
//
// A RateLimit whose Requests or Per is zero or negative sets no limit: its
// limiters never make a call wait.
type RateLimit struct {
	Requests int
	Per      time.Duration
	// Burst, when between 1 and Requests-1, is the vendor's documented
	// burst: at most Burst requests in any window of Burst/Requests of Per
	// (see BurstLimit). Any other value sets no limit besides Requests per
	// Per.
	Burst int
}

// MaxJitterAllowance bounds a limit's jitter allowance; see
// [RateLimit.JitterAllowance].
const MaxJitterAllowance = 100 * time.Millisecond

// JitterAllowance returns the time a limiter adds to the limit's window
// for requests' arrival times to vary. A request let go at the end of one
// window can reach the vendor later than one let go after it; so that no
// Requests+1 calls reach the vendor within Per, a limiter keeps them Per
// plus this allowance apart. It is 1% of Per, at most MaxJitterAllowance:
// 10 ms for a limit per second, 100 ms for DT's 10 s and any longer
// window. A limiter then uses at least 99% of the quota.
//
// The allowance is sized from measurement. TestRateLimit_DT and redisx's
// replica tests run 40 to 80 goroutines through the client against a
// loopback server under the race detector, and report how much of the
// allowance arrival times used: how much closer than Per plus the
// allowance the server saw each call and the Requests-th call after it.
// On 2 cores shared with other test runs, the worst use in a 30 s run was
// 5 to 28 ms (64 ms once), most of it from calls let go together reaching
// the server one after another; 100 ms covers that, and a new
// connection's handshake to a nearby vendor. Windows shorter than 10 s
// get less: a wider variation costs an occasional 429, which the client
// retries.
func (rl RateLimit) JitterAllowance() time.Duration {
	return max(0, min(rl.Per/100, MaxJitterAllowance))
}

// BurstLimit returns the burst rule of rl as a limit of its own: Burst
// requests per Burst/Requests of Per, rounded up to the nanosecond, or the
// zero RateLimit when rl has no burst. Endpoint Manager's listing, 10
// requests per second with a burst of 5, allows at most 5 in any 500 ms.
// Keeping to both rules also keeps within the other reading of such a
// limit, a token bucket of Burst tokens refilled at Requests per Per:
// over any time t it lets at most Burst + t·Requests/Per calls go.
func (rl RateLimit) BurstLimit() RateLimit {
	if !rl.limited() || rl.Burst <= 0 || rl.Burst >= rl.Requests {
		return RateLimit{}
	}
	share := math.Ceil(float64(rl.Per) / float64(rl.Requests) * float64(rl.Burst))
	return RateLimit{Requests: rl.Burst, Per: max(1, min(rl.Per, durationOf(share)))}
}

// limited reports whether rl sets a limit.
func (rl RateLimit) limited() bool { return rl.Requests > 0 && rl.Per > 0 }

// window returns the rule a limiter keeps for rl: Requests per Per
// stretched by the jitter allowance.
func (rl RateLimit) window() window {
	return window{n: rl.Requests, span: addSat(rl.Per, rl.JitterAllowance())}
}

// never is a moment past the range of a limiter's clock.
const never = time.Duration(math.MaxInt64)

// addSat returns a+b for non-negative b, saturated at never.
func addSat(a, b time.Duration) time.Duration {
	if a > never-b {
		return never
	}
	return a + b
}

// durationOf converts a count of nanoseconds, saturated at never.
func durationOf(ns float64) time.Duration {
	if ns >= float64(never) {
		return never
	}
	return time.Duration(ns)
}

// NewLimiter returns a limiter that keeps calls within the limit: no more
// than Requests in any window of Per plus the jitter allowance, and no
// more than the burst in a burst window. Calls go at once while the
// windows have room, so a burst of up to Requests calls (Burst, if set)
// after a quiet window does not wait at all. Share one limiter among all
// the calls that count against the same vendor quota.
func (rl RateLimit) NewLimiter() *WindowLimiter {
	l := &WindowLimiter{base: time.Now()}
	if rl.limited() {
		l.windows = []window{rl.window()}
		if b := rl.BurstLimit(); b.limited() {
			l.windows = append(l.windows, b.window())
		}
	}
	return l
}

// WindowLimiter keeps calls within a [RateLimit] exactly. It keeps a log
// of the moments it let calls go (a sliding log, as strict vendors keep of
// the calls they receive) and lets a call go at the first moment when no
// window of the limit's length, stretched by its jitter allowance, would
// hold more than Requests calls (nor a burst window more than Burst).
//
// While the windows have room, calls go at once: a burst of up to
// Requests calls after a quiet window does not wait at all, and neither
// does the next burst once the window it counts against has passed. A
// call that must wait takes the next free moment when it starts to wait,
// in order, so each waiter wakes once. Sustained, the calls go at
// Requests per Per plus the jitter allowance: 99% of the quota.
//
// Wait returns at once, with an error that matches
// context.DeadlineExceeded, when the call's moment would come after the
// context's deadline; a call whose context ends while it waits gives its
// moment back. The log holds one entry per call let go in the last window
// or waiting: at most Requests plus the waiting calls. The zero value sets
// no limit. It is safe for concurrent use.
type WindowLimiter struct {
	base time.Time // origin of the limiter's monotonic clock

	mu      sync.Mutex
	windows []window
	last    time.Duration // the latest moment given out; -1 for none

	granted, delayed, refused atomic.Int64
	delay                     atomic.Int64 // nanoseconds
}

// window is one rule of a limit, n calls per span, with the log of the
// moments given out that still count against it, oldest first.
type window struct {
	n    int
	span time.Duration
	log  []time.Duration
	head int // log[head:] is live
}

// LimiterStats counts what a limiter has done since it was made.
type LimiterStats struct {
	Granted int64         // Wait calls that let a call go
	Delayed int64         // of those, the ones that had to wait
	Delay   time.Duration // the waits of the delayed calls together, as planned
	Refused int64         // Wait calls that ended with an error
}

// Stats returns what l has done: how many calls it let go, how many of
// them waited and for how long, how many it refused.
func (l *WindowLimiter) Stats() LimiterStats {
	if l == nil {
		return LimiterStats{}
	}
	return LimiterStats{Granted: l.granted.Load(), Delayed: l.delayed.Load(),
		Delay: time.Duration(l.delay.Load()), Refused: l.refused.Load()}
}

// Wait blocks until a call may go by the limit, or ctx ends. When the
// call's moment would come after ctx's deadline, it returns at once an
// error that matches context.DeadlineExceeded.
func (l *WindowLimiter) Wait(ctx context.Context) error {
	if l == nil { // no limiter: no limit
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		l.refused.Add(1)
		return err
	}
	l.mu.Lock()
	if len(l.windows) == 0 {
		l.mu.Unlock()
		l.granted.Add(1)
		return nil
	}
	now := time.Since(l.base)
	slot := l.next(now)
	if d, ok := ctx.Deadline(); ok && slot > now && slot >= d.Sub(l.base) {
		l.mu.Unlock()
		l.refused.Add(1)
		return pastDeadline(slot - now)
	}
	if slot == never {
		l.mu.Unlock()
		<-ctx.Done()
		l.refused.Add(1)
		return ctx.Err()
	}
	l.take(slot)
	l.mu.Unlock()
	if slot == now {
		l.granted.Add(1)
		return nil
	}
	if err := sleep.For(ctx, slot-now); err != nil {
		l.mu.Lock()
		l.giveBack(slot)
		l.mu.Unlock()
		l.refused.Add(1)
		return err
	}
	l.granted.Add(1)
	l.delayed.Add(1)
	l.delay.Add(int64(slot - now))
	return nil
}

// pastDeadline is Wait's error when the next moment comes after the
// context's deadline.
func pastDeadline(wait time.Duration) error {
	return fmt.Errorf("iotapi: rate limit: the next call may go in %v, after the context's deadline: %w",
		wait.Round(time.Millisecond), context.DeadlineExceeded)
}

// next returns the first moment at or after now when a call may go: no
// earlier than the last moment given out (waiters are served in order),
// and a span after the n-th latest moment of each window.
func (l *WindowLimiter) next(now time.Duration) time.Duration {
	slot := max(now, l.last)
	for i := range l.windows {
		w := &l.windows[i]
		w.expire(now)
		if len(w.log)-w.head >= w.n {
			slot = max(slot, addSat(w.log[len(w.log)-w.n], w.span))
		}
	}
	return slot
}

// take gives out slot, which next returned.
func (l *WindowLimiter) take(slot time.Duration) {
	l.last = slot
	for i := range l.windows {
		l.windows[i].log = append(l.windows[i].log, slot)
	}
}

// giveBack returns slot, given out to a call that no longer waits for it.
// Every moment given out after it still has at most n-1 others in the
// span before it, so the log stays within the limit.
func (l *WindowLimiter) giveBack(slot time.Duration) {
	l.last = -1
	for i := range l.windows {
		w := &l.windows[i]
		for j := len(w.log) - 1; j >= w.head; j-- {
			if w.log[j] == slot {
				w.log = append(w.log[:j], w.log[j+1:]...)
				break
			}
		}
		if len(w.log) > w.head {
			l.last = max(l.last, w.log[len(w.log)-1])
		}
	}
}

// expire forgets the moments that no longer count at now.
func (w *window) expire(now time.Duration) {
	for w.head < len(w.log) && addSat(w.log[w.head], w.span) <= now {
		w.head++
	}
	if w.head > 32 && w.head >= len(w.log)/2 { // reuse the front of the slice
		w.log = w.log[:copy(w.log, w.log[w.head:])]
		w.head = 0
	}
}

// AdaptiveLimiter paces calls like RateLimit.NewLimiter and adapts to the
// vendor's answers (AIMD, as TCP and the AWS SDK's adaptive retry mode
// do): each 429 halves the rate, at most once per ten requests' time so
// that a burst of 429s from concurrent calls counts once; successes raise it
// additively by 5% of the documented rate per second of successful calls,
// up to the documented rate. The rate never falls below 1% of it. At a
// rate r below the documented one it keeps the calls within ⌊r·Per⌋ per
// Per (one per 1/r when that is less than one), so short bursts stay
// possible. It is safe for concurrent use.
type AdaptiveLimiter struct {
	l        *WindowLimiter
	limit    RateLimit
	max, min float64 // requests per second

	mu           sync.Mutex
	rate         float64
	lastDecrease time.Time
}

// NewAdaptiveLimiter returns an AdaptiveLimiter for a documented limit. For
// a RateLimit that sets no limit it never makes a call wait.
func NewAdaptiveLimiter(rl RateLimit) *AdaptiveLimiter {
	a := &AdaptiveLimiter{l: rl.NewLimiter(), limit: rl}
	if rl.limited() {
		a.max = float64(rl.Requests) / rl.Per.Seconds()
		a.min = a.max / 100
		a.rate = a.max
	}
	return a
}

// Wait blocks until a request may be sent, or ctx ends; see
// [WindowLimiter.Wait].
func (a *AdaptiveLimiter) Wait(ctx context.Context) error { return a.l.Wait(ctx) }

// Rate returns the current rate, in requests per second (0 for no limit).
func (a *AdaptiveLimiter) Rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rate
}

// Stats returns what the limiter has done; see [WindowLimiter.Stats].
func (a *AdaptiveLimiter) Stats() LimiterStats { return a.l.Stats() }

// Throttled halves the rate after a 429.
func (a *AdaptiveLimiter) Throttled() {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	if a.rate == 0 || now.Sub(a.lastDecrease) < durationOf(10*float64(time.Second)/a.rate) {
		return
	}
	a.lastDecrease = now
	a.set(max(a.rate/2, a.min))
}

// Succeeded raises the rate additively: by 5% of the documented rate for
// each second's worth of successes at the current rate.
func (a *AdaptiveLimiter) Succeeded() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rate > 0 && a.rate < a.max {
		a.set(min(a.rate+a.max/20/a.rate, a.max)) // rate successes take a second
	}
}

// set makes r the rate: ⌊r·Per⌋ calls per Per, or one call per 1/r
// when r·Per is below one, so that no window of Per ever holds more than
// Requests calls.
func (a *AdaptiveLimiter) set(r float64) {
	a.rate = r
	cur := a.limit
	if r < a.max {
		if n := r * a.limit.Per.Seconds(); n >= 1 {
			cur.Requests = int(n)
		} else {
			cur.Requests = 1
			cur.Per = max(a.limit.Per, durationOf(math.Ceil(float64(time.Second)/r)))
		}
	}
	w := cur.window()
	a.l.mu.Lock()
	a.l.windows[0].n, a.l.windows[0].span = w.n, w.span // the log stays
	a.l.mu.Unlock()
}

var (
	_ Limiter         = (*WindowLimiter)(nil)
	_ FeedbackLimiter = (*AdaptiveLimiter)(nil)
)
