package iotapi

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Hooks observe the calls of a Client or Transport, for tracing, metrics
// and logs. Every field is optional. Each is called from the goroutine
// making the call, at the moment its comment says, and must not block.
// No hook sees the request's headers or body, or an unredacted URL; a
// vendor's failure (AttemptResult.Failure, CallResult.Failure) carries
// what an *APIError does: the response's headers with secrets redacted
// and its bounded body. AttemptResult.Failure is the hook's own copy;
// CallResult.Failure is the error the call returns.
//
// WithHooks adds a set; WithOnRetry and WithLogger are sets of hooks too.
// Package otelx (module github.com/iotapi/iotapi/otelx) builds OpenTelemetry
// spans and metrics from them.
type Hooks struct {
	// CallStart is called when a call begins, before its first attempt.
	// The context it returns is the call's from then on: its attempts',
	// its waits' and the other hooks'. A tracer returns one carrying the
	// call's span.
	CallStart func(ctx context.Context, call CallInfo) context.Context

	// AttemptStart is called before each attempt is handed to the
	// transport, after its token is set. The context it returns is the
	// attempt's request's.
	AttemptStart func(ctx context.Context, attempt AttemptInfo) context.Context

	// AttemptEnd is called when an attempt's answer has come: a response
	// (decoded by the vendor's rules when it failed) or a transport error.
	// ctx is the one AttemptStart returned.
	AttemptEnd func(ctx context.Context, attempt AttemptInfo, result AttemptResult)

	// Retry is called when a retry is planned, before its wait.
	Retry func(ctx context.Context, retry RetryEvent)

	// LimiterWait is called after each wait for the rate limiter (see
	// WithRateLimit), with the attempt's context.
	LimiterWait func(ctx context.Context, wait LimiterWait)

	// TokenFetch is called after each fetch from the token source (not for
	// a token served from the cache).
	TokenFetch func(ctx context.Context, fetch TokenFetch)

	// CallEnd is called when a call ends, with what it came to.
	CallEnd func(ctx context.Context, call CallInfo, result CallResult)
}

// CallInfo describes a call.
type CallInfo struct {
	Vendor string
	Method string
	URL    string // with credentials redacted
}

// AttemptInfo describes one attempt of a call.
type AttemptInfo struct {
	CallInfo
	Attempt int  // from 1
	Replay  bool // the attempt replays the call with a new token (see WithTokenSource)
}

// AttemptResult is what an attempt came back with.
type AttemptResult struct {
	StatusCode int       // the response's status; 0 when none came
	Failure    *APIError // the decoded response, for a status of 400 or more
	Err        error     // the transport error, when no response came
}

// RetryEvent describes a retry about to happen.
type RetryEvent struct {
	Vendor     string
	Method     string
	URL        string        // with credentials redacted
	Attempt    int           // the attempt that failed, from 1
	StatusCode int           // its HTTP status; 0 for a transport error
	Err        error         // its *APIError, or the transport error
	Wait       time.Duration // the wait before the next attempt
	Replay     bool          // the next attempt is the token replay, which WithMaxRetries does not count
}

// LimiterWait describes a wait for the rate limiter.
type LimiterWait struct {
	Waited time.Duration
	Err    error // why the attempt may not go (the context ended); nil when it may
}

// TokenFetch describes a fetch from the token source.
type TokenFetch struct {
	Took time.Duration
	Err  error // nil when a token came; else the fetch's error, its text redacted as the call's is
}

// CallResult is what a call came to.
type CallResult struct {
	Attempts   int       // attempts sent
	StatusCode int       // the final response's status; 0 when no response is the answer
	Failure    *APIError // the vendor's answer, when the call failed with one
	Err        error     // why no response is the answer, when none is
	Stop       error     // why retrying stopped early, if it did (ErrRetryBudgetExhausted, ...)
}

// WithHooks adds a set of hooks to the client. Sets added by several
// options are all called, in the order the options were given.
func WithHooks(h Hooks) Option {
	return func(c *config) { c.hooks = c.hooks.then(h) }
}

// WithOnRetry calls f before each retry's wait, from the goroutine making
// the call, for metrics. f must not block. It is WithHooks with a Retry
// hook.
func WithOnRetry(f func(RetryEvent)) Option {
	if f == nil {
		return func(*config) {}
	}
	return WithHooks(Hooks{Retry: func(_ context.Context, ev RetryEvent) { f(ev) }})
}

// WithLogger logs each retry (attempt, status, wait, reason) at Info level
// and each early stop (budget spent, Retry-After too long, unsafe replay,
// the context ended) at Warn level to l, with the library's attributes in
// a group named "iotapi" so that they never clash with those l adds. URLs
// are logged with credentials redacted; headers and bodies are never
// logged. The default logs nothing.
func WithLogger(l *slog.Logger) Option {
	if l == nil {
		return func(*config) {}
	}
	l = l.WithGroup("iotapi")
	return WithHooks(Hooks{
		Retry: func(ctx context.Context, ev RetryEvent) {
			l.LogAttrs(ctx, slog.LevelInfo, "iotapi: retrying",
				slog.String("vendor", ev.Vendor), slog.String("method", ev.Method), slog.String("url", ev.URL),
				slog.Int("attempt", ev.Attempt), slog.Int("status", ev.StatusCode),
				slog.Duration("wait", ev.Wait), slog.String("reason", reason(ev.Err)))
		},
		CallEnd: func(ctx context.Context, call CallInfo, r CallResult) {
			if r.Stop == nil {
				return
			}
			cause := r.Err
			if r.Failure != nil {
				cause = r.Failure
			}
			l.LogAttrs(ctx, slog.LevelWarn, "iotapi: not retrying",
				slog.String("vendor", call.Vendor), slog.String("method", call.Method),
				slog.String("url", call.URL), slog.Int("attempt", r.Attempts),
				slog.String("reason", reason(cause)), slog.String("why", oneLine(r.Stop.Error(), 2*maxMessage)))
		},
	})
}

// then returns hooks that call h's, then next's.
func (h Hooks) then(next Hooks) Hooks {
	return Hooks{
		CallStart:    thenCtx(h.CallStart, next.CallStart),
		AttemptStart: thenCtx(h.AttemptStart, next.AttemptStart),
		AttemptEnd:   then3(h.AttemptEnd, next.AttemptEnd),
		Retry:        then2(h.Retry, next.Retry),
		LimiterWait:  then2(h.LimiterWait, next.LimiterWait),
		TokenFetch:   then2(h.TokenFetch, next.TokenFetch),
		CallEnd:      then3(h.CallEnd, next.CallEnd),
	}
}

func thenCtx[T any](a, b func(context.Context, T) context.Context) func(context.Context, T) context.Context {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(ctx context.Context, v T) context.Context { return b(a(ctx, v), v) }
}

func then2[T any](a, b func(context.Context, T)) func(context.Context, T) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(ctx context.Context, v T) { a(ctx, v); b(ctx, v) }
}

func then3[T, U any](a, b func(context.Context, T, U)) func(context.Context, T, U) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(ctx context.Context, v T, w U) { a(ctx, v, w); b(ctx, v, w) }
}

// reason is the text of an attempt's failure for a log line: an APIError's
// own line, or the transport error without its URL.
func reason(err error) string {
	if err == nil {
		return ""
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	return oneLine(unwrapURLError(err).Error(), 2*maxMessage)
}

// cause is the attempt's failure as an error: its *APIError, or the
// transport error.
func (a *attempt) cause() error {
	if a.failure != nil {
		return a.failure
	}
	return a.err
}
