package iotapi

import (
	"context"
	"net/http"
	"time"
)

// attemptTransport is what every attempt (and every redirect the Client
// follows) goes through on its way to the base RoundTripper: it adds the
// library's User-Agent, and waits for the limiter if one is set, so that a
// FeedbackLimiter hears every answer. It also hides the base's
// CloseIdleConnections from go-retryablehttp, which calls it whenever it
// gives up: other calls share the pool.
type attemptTransport struct {
	rt      http.RoundTripper
	limiter Limiter
	breaker *CircuitBreaker
	waited  func(context.Context, LimiterWait) // the LimiterWait hook, if any
}

func (t attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = withUserAgent(req)
	if t.breaker == nil {
		return t.paced(req)
	}
	if err := req.Context().Err(); err != nil {
		// Ended before it was sent: nothing for the breaker to count (a
		// deadline counts only when it passes while the vendor is asked),
		// and no probe taken.
		closeBody(req)
		return nil, &notSentError{err}
	}
	tk, err := t.breaker.admit(req.Context())
	if err != nil {
		closeBody(req) // as a RoundTripper must, on every error
		return nil, err
	}
	result := errNotCounted // if the base transport panics, the ticket is still returned
	defer func() { t.breaker.done(tk, result) }()
	resp, err := t.paced(req)
	result = breakerResult(req.Context(), resp, err)
	return resp, err
}

// paced sends req once the limiter lets it go.
func (t attemptTransport) paced(req *http.Request) (*http.Response, error) {
	if t.limiter == nil {
		return t.send(req)
	}
	ctx := req.Context()
	start := time.Now()
	err := t.limiter.Wait(ctx)
	if err != nil {
		err = newLimiterError(ctx, err)
	}
	if t.waited != nil {
		t.waited(ctx, LimiterWait{Waited: time.Since(start), Err: err})
	}
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.send(req)
	if fl, ok := t.limiter.(FeedbackLimiter); ok && err == nil {
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			fl.Throttled()
		case resp.StatusCode < 400:
			fl.Succeeded()
		}
	}
	return resp, err
}

var _ http.RoundTripper = attemptTransport{}

// send hands req to the base transport, unless its context ended while
// the breaker or the limiter was consulted: then nothing is sent.
func (t attemptTransport) send(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		closeBody(req)
		return nil, &notSentError{err}
	}
	return t.rt.RoundTrip(req)
}

// notSentError is a context that ended before an attempt was sent.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// closeBody closes the body of a request that will not be sent: the
// caller's, or the copy for a retry. A streamed upload's writer is told.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// limiterError is a limiter's refusal to let an attempt go: the context
// ended during the wait, or the limiter refused a wait that would outlast
// the context's deadline (x/time/rate does, at once, with an error of its
// own). Either way nothing was sent; the latter matches
// context.DeadlineExceeded too, as a wait that ran out would.
type limiterError struct {
	err          error
	pastDeadline bool
}

func newLimiterError(ctx context.Context, err error) *limiterError {
	_, hasDeadline := ctx.Deadline()
	return &limiterError{err: err, pastDeadline: ctx.Err() == nil && hasDeadline}
}

func (e *limiterError) Error() string {
	if e.pastDeadline {
		return "rate limit: the wait would outlast the request's deadline: " + e.err.Error()
	}
	return "rate limit: " + e.err.Error()
}

func (e *limiterError) Unwrap() error { return e.err }

func (e *limiterError) Is(target error) bool {
	return e.pastDeadline && target == context.DeadlineExceeded
}
