package iotapi

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// A Limiter paces requests before they are sent. *rate.Limiter (from
// golang.org/x/time/rate) satisfies it, and so do [AdaptiveLimiter] and
// shared limiters such as a Redis-backed one.
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

// A RateLimit is a vendor's documented request limit: Requests in every
// window of length Per.
type RateLimit struct {
	Requests int
	Per      time.Duration
}

// JitterAllowance is the share of a limit's window that pacing leaves for
// requests' arrival times to vary: a request granted at the end of one
// window can reach the vendor later than one granted after it, so two
// windows' worth of grants must not fit in one window of arrivals.
const JitterAllowance = 0.02

// Rate returns the steady rate that keeps within the limit in every window:
// Requests-1 per Per stretched by JitterAllowance. A token bucket with rate r
// and burst b lets b + r·Per requests through in a window of length Per, so
// with burst 1 this rate never exceeds Requests, with 2% of the window to
// spare for arrival jitter; it reaches (Requests-1)/Requests/1.02 of the
// allowed rate: 96.7% of DT's 75 per 10 s.
func (rl RateLimit) Rate() rate.Limit {
	if rl.Requests <= 1 || rl.Per <= 0 {
		return rate.Every(rl.Per)
	}
	return rate.Limit(float64(rl.Requests-1) / (rl.Per.Seconds() * (1 + JitterAllowance)))
}

// NewLimiter returns a limiter that paces calls within the limit: Rate,
// burst 1. Share one limiter among all the calls that count against the
// same vendor quota.
func (rl RateLimit) NewLimiter() *rate.Limiter { return rate.NewLimiter(rl.Rate(), 1) }

// AdaptiveLimiter paces calls like RateLimit.NewLimiter and adapts to the
// vendor's answers (AIMD, as TCP and the AWS SDK's adaptive retry mode
// do): each 429 halves the rate, at most once per ten requests' time so
// that a burst of 429s from concurrent calls counts once; successes raise it
// additively by 5% of the documented rate per second of successful calls,
// up to the documented rate. The rate never falls below 1% of it. It is
// safe for concurrent use.
type AdaptiveLimiter struct {
	l   *rate.Limiter
	max rate.Limit
	min rate.Limit

	mu           sync.Mutex
	lastDecrease time.Time
}

// NewAdaptiveLimiter returns an AdaptiveLimiter for a documented limit.
func NewAdaptiveLimiter(rl RateLimit) *AdaptiveLimiter {
	max := rl.Rate()
	return &AdaptiveLimiter{l: rate.NewLimiter(max, 1), max: max, min: max / 100}
}

// Wait blocks until a request may be sent, or ctx ends.
func (a *AdaptiveLimiter) Wait(ctx context.Context) error { return a.l.Wait(ctx) }

// Limit returns the current rate.
func (a *AdaptiveLimiter) Limit() rate.Limit { return a.l.Limit() }

// Throttled halves the rate after a 429.
func (a *AdaptiveLimiter) Throttled() {
	a.mu.Lock()
	defer a.mu.Unlock()
	cur := a.l.Limit()
	now := time.Now()
	if cur > 0 && now.Sub(a.lastDecrease) < time.Duration(10*float64(time.Second)/float64(cur)) {
		return
	}
	a.lastDecrease = now
	a.l.SetLimit(max(cur/2, a.min))
}

// Succeeded raises the rate additively: by 5% of the documented rate for
// each second's worth of successes at the current rate.
func (a *AdaptiveLimiter) Succeeded() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cur := a.l.Limit(); cur > 0 && cur < a.max {
		a.l.SetLimit(min(cur+a.max/20/cur, a.max)) // cur successes take a second
	}
}

var _ FeedbackLimiter = (*AdaptiveLimiter)(nil)
