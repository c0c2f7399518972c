package iotapi

import (
	"context"
	"time"
)

// limits are the settings one call can set for itself, overriding the
// client's (see WithCallOptions).
type limits struct {
	maxRetries         int
	maxRetryAfter      time.Duration
	retryNonIdempotent bool
	noReplay           bool // not even the token replay
}

// A CallOption sets, for one call, a setting that otherwise comes from the
// client's options; see [WithCallOptions].
type CallOption func(*limits)

// WithCallOptions returns a context that makes a call made with it (a
// request carrying it, to Client.Do or a Transport) use opts over the
// client's settings, in the manner of azcore's policy.WithRetryOptions.
//
// Precedence, highest first: the options of the innermost WithCallOptions
// (a context made from one that already carries call options adds to
// them, its own winning), then the options of the client, then the
// defaults. A vendor's rules still hold: no call option shortens a
// vendor's documented minimum wait.
func WithCallOptions(ctx context.Context, opts ...CallOption) context.Context {
	all := make([]CallOption, 0, len(opts)+1)
	if outer, ok := ctx.Value(callOptionsKey{}).(callOptions); ok {
		all = append(all, outer...)
	}
	return context.WithValue(ctx, callOptionsKey{}, callOptions(append(all, opts...)))
}

// CallMaxRetries is WithMaxRetries for one call.
func CallMaxRetries(n int) CallOption {
	return func(l *limits) { l.maxRetries = clampRetries(n) }
}

// CallMaxRetryAfter is WithMaxRetryAfter for one call.
func CallMaxRetryAfter(d time.Duration) CallOption {
	return func(l *limits) { l.maxRetryAfter = max(d, 0) }
}

// CallRetryNonIdempotent is WithRetryNonIdempotent for one call: allow
// (true) or forbid (false) replaying it after a failure the vendor may
// have processed, whatever the client says.
func CallRetryNonIdempotent(allow bool) CallOption {
	return func(l *limits) { l.retryNonIdempotent = allow }
}

// NoRetries makes the call a single attempt: no retries, and no replay
// after a rejected token either. A later CallMaxRetries in the same or an
// inner WithCallOptions allows retries again, but not the token replay.
func NoRetries() CallOption {
	return func(l *limits) { l.maxRetries, l.noReplay = 0, true }
}

type callOptionsKey struct{}

type callOptions []CallOption

// limitsFor returns the settings of a call made with ctx.
func (cfg *config) limitsFor(ctx context.Context) limits {
	opts, ok := ctx.Value(callOptionsKey{}).(callOptions)
	if !ok {
		return cfg.limits
	}
	l := cfg.limits // escapes to the options: allocated only here
	for _, o := range opts {
		if o != nil {
			o(&l)
		}
	}
	return l
}
