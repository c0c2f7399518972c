package iotapi

import (
	"reflect"
	"time"

	"golang.org/x/oauth2"
)

// Defaults of the retry layer. Each can be changed with an [Option].
const (
	// DefaultMaxRetries is the retries after the first attempt: four
	// attempts in all, as Azure's SDKs make, one more than the AWS SDK's
	// standard mode, one fewer than go-retryablehttp's.
	DefaultMaxRetries = 3

	// DefaultMinBackoff is the first backoff: 1 s, go-retryablehttp's
	// default and DT's documented minimum after a 500 or 503. Azure's
	// 0.8 s is close; shorter first waits mostly hit the same overload.
	DefaultMinBackoff = time.Second

	// DefaultMaxBackoff caps one backoff at 20 s, the AWS SDK's cap: with
	// three retries the waits are 1–2 s, 2–4 s and 4–8 s, so a call gives up
	// within about 15 s of waiting, inside common request deadlines.
	// go-retryablehttp's 30 s and Azure's 60 s suit batch jobs better.
	DefaultMaxBackoff = 20 * time.Second

	// DefaultMaxRetryAfter is the longest server-directed wait the client
	// sleeps: 60 s. A longer Retry-After is returned to the caller at once
	// with APIError.RetryAfter set.
	DefaultMaxRetryAfter = 60 * time.Second

	// DefaultMaxBufferedBody bounds the copy made of a request body that
	// has no GetBody (a body that cannot be re-obtained), so that it can be
	// replayed: 1 MiB. A larger body is sent once, without retries.
	DefaultMaxBufferedBody = 1 << 20
)

// An Option configures [NewClient] and [NewTransport].
type Option func(*config)

type config struct {
	limits          // what a call may override (WithCallOptions)
	minBackoff      time.Duration
	maxBackoff      time.Duration
	budget          *RetryBudget // nil: no budget
	maxBufferedBody int64
	hooks           Hooks
	tokenSource     oauth2.TokenSource
	tokenCache      TokenCache
	tokenMargin     time.Duration
	limiter         Limiter
	breaker         *CircuitBreaker

	// recordWait, when set, receives each planned wait, and the wait is
	// not slept (iotapitest's recording mode, and this package's tests).
	recordWait func(time.Duration)
	// rand is the backoff's randomness; tests fix it.
	rand func() float64
}

func newConfig(opts []Option) config {
	c := config{
		limits:          limits{maxRetries: DefaultMaxRetries, maxRetryAfter: DefaultMaxRetryAfter},
		minBackoff:      DefaultMinBackoff,
		maxBackoff:      DefaultMaxBackoff,
		budget:          &DefaultRetryBudget,
		maxBufferedBody: DefaultMaxBufferedBody,
		tokenMargin:     DefaultTokenMargin,
		rand:            randFloat,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	// A nil pointer in an interface (a nil *rate.Limiter) counts as none.
	if isNil(c.limiter) {
		c.limiter = nil
	}
	if isNil(c.tokenSource) {
		c.tokenSource = nil
	}
	if isNil(c.tokenCache) {
		c.tokenCache = nil
	}
	if c.tokenSource != nil && c.tokenCache == nil {
		c.tokenCache = NewMemoryTokenCache(c.tokenMargin)
	}
	return c
}

// WithMaxRetries sets how many times a call is retried after its first
// attempt (default DefaultMaxRetries). 0 disables retries; a negative n
// counts as 0, and one above MaxRetriesLimit as MaxRetriesLimit. The replay
// after a rejected token is not a retry (see WithTokenSource).
func WithMaxRetries(n int) Option {
	return func(c *config) { c.maxRetries = clampRetries(n) }
}

// MaxRetriesLimit is the most retries a call makes, whatever WithMaxRetries
// says: with the default backoff, 100 retries wait about half an hour.
const MaxRetriesLimit = 100

func clampRetries(n int) int { return min(max(n, 0), MaxRetriesLimit) }

// WithBackoff sets the exponential backoff: the n-th retry (from 0) waits a
// random time between min·2ⁿ and min·2ⁿ⁺¹, never more than max (defaults
// DefaultMinBackoff, DefaultMaxBackoff). A vendor's documented minimum wait
// still holds when min is lower. Values ≤ 0 keep the default; a max below
// min is raised to min.
func WithBackoff(min, max time.Duration) Option {
	return func(c *config) {
		if min > 0 {
			c.minBackoff = min
		}
		if max > 0 {
			c.maxBackoff = max
		}
		if c.maxBackoff < c.minBackoff {
			c.maxBackoff = c.minBackoff
		}
	}
}

// WithMaxRetryAfter sets the longest server-directed wait (Retry-After, or
// a vendor's documented wait) the client sleeps before retrying (default
// DefaultMaxRetryAfter). When a vendor asks for longer, Do returns at once
// with the *APIError, its RetryAfter set and Err ErrRetryAfterTooLong, so
// the caller can schedule the call. d ≤ 0 never sleeps a server-directed
// wait.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *config) { c.maxRetryAfter = max(d, 0) }
}

// WithRetryBudget sets the client's retry budget (default
// DefaultRetryBudget): retries in any window are bounded by the healthy
// answers in it, so that when most calls fail, retries stop multiplying the
// load; they resume as calls succeed. Clients do not share budgets.
func WithRetryBudget(rb RetryBudget) Option {
	return func(c *config) {
		rb = rb.withDefaults()
		c.budget = &rb
	}
}

// WithoutRetryBudget turns the retry budget off: every retry the other
// rules allow is made, whatever the vendor's state.
func WithoutRetryBudget() Option {
	return func(c *config) { c.budget = nil }
}

// WithRetryNonIdempotent allows retrying POST, PATCH and other
// non-idempotent requests after failures the vendor may have processed
// (500, 502, 504, a connection lost after the request was sent). Without
// it, such a request is retried only when it carries an Idempotency-Key (or
// X-Idempotency-Key) header, or the failure means it was not processed (429,
// 503, a refused connection).
func WithRetryNonIdempotent() Option {
	return func(c *config) { c.retryNonIdempotent = true }
}

// WithMaxBufferedBody bounds the copy made of a request body without
// GetBody so it can be replayed (default DefaultMaxBufferedBody). A larger
// body is sent once, whole, without retries. Bodies with GetBody (as
// http.NewRequest sets for bytes and strings readers) are never copied. n
// below 0 counts as 0 (never copy), and above MaxBufferedBodyLimit as
// MaxBufferedBodyLimit.
func WithMaxBufferedBody(n int64) Option {
	return func(c *config) { c.maxBufferedBody = min(max(n, 0), MaxBufferedBodyLimit) }
}

// MaxBufferedBodyLimit is the largest request body the client copies to
// replay it, whatever WithMaxBufferedBody says: 1 GiB.
const MaxBufferedBodyLimit = 1 << 30

// isNil reports whether v is nil or holds a nil pointer, map, slice, func
// or channel.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
