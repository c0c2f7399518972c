package iotapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/iotapi/iotapi/internal/httpbody"
	"github.com/iotapi/iotapi/internal/redact"
)

// engine runs calls through go-retryablehttp with one vendor's rules. It is
// shared by Transport and Client, and safe for concurrent use: per-call
// state travels in the request's context (see call).
//
// The hooks divide the work so each runs where go-retryablehttp gives it
// what it needs:
//   - CheckRetry sees every attempt's response or error with the call's
//     context: it classifies, and plans the wait (backoff, Retry-After,
//     vendor floors, escalation, budget, deadline).
//   - Backoff returns 0: go-retryablehttp passes it no response after a
//     transport error, so it cannot reach the call's plan.
//   - PrepareRetry sleeps the planned wait (cancellable, and injectable in
//     tests) and sets a fresh copy of the request body.
//   - ErrorHandler (finalAnswer) returns the final error untouched, so
//     go-retryablehttp's "giving up after N attempts" never replaces it.
type engine struct {
	vendor Vendor
	cfg    config
	budget *budget
	rc     *retryablehttp.Client

	// freshHeaders: the inner http.Client has a Jar, and net/http adds the
	// jar's cookies by modifying the request's Header, so each attempt
	// gets a copy of the caller's headers.
	freshHeaders bool
}

// newEngine returns an engine sending through hc (whose Transport it sets
// to base, wrapped) with v's rules.
func newEngine(hc *http.Client, base http.RoundTripper, v Vendor, opts []Option) *engine {
	e := &engine{vendor: v, cfg: newConfig(opts)}
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = attemptTransport{rt: base, limiter: e.cfg.limiter}
	e.freshHeaders = hc.Jar != nil || e.cfg.tokenSource != nil
	e.budget = newBudget(e.cfg.budget)
	e.rc = &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil,                  // logging is ours: redacted, structured, off by default
		RetryMax:     e.cfg.maxRetries + 1, // room for a token refresh's replay; checkRetry enforces the limits
		CheckRetry:   e.checkRetry,
		Backoff:      func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 },
		PrepareRetry: e.prepareRetry,
		ErrorHandler: finalAnswer,
	}
	return e
}

// finalAnswer is go-retryablehttp's ErrorHandler. It keeps the last
// attempt's error untouched; if go-retryablehttp ran out of attempts while
// a retry was planned (err is nil), the last response is the answer.
func finalAnswer(resp *http.Response, err error, _ int) (*http.Response, error) {
	switch {
	case err == nil && resp != nil:
		return resp, nil
	case resp != nil:
		drain(resp.Body)
	case err == nil:
		err = errors.New("iotapi: no response and no error from the transport")
	}
	return nil, err
}

// run sends req with retries. st must be fresh; run fills it.
func (e *engine) run(st *call, req *http.Request) (*http.Response, error) {
	src, first, err := newBodySource(req, e.cfg.maxBufferedBody)
	if err != nil {
		return nil, err
	}
	st.engine, st.req, st.body, st.start = e, req, src, time.Now()
	st.idempotent = idempotent(req)
	r := req.WithContext(st)
	r.Body = first
	if src.get != nil && r.GetBody == nil {
		r.GetBody = src.get
	}
	if err := e.prepareHeaders(st, r); err != nil {
		if first != nil {
			first.Close()
		}
		return nil, err
	}
	return e.rc.Do(&retryablehttp.Request{Request: r})
}

// prepareHeaders sets the headers of one attempt: a copy of the caller's
// when the attempt may change them (a Jar's cookies, a token), and the
// call's current token.
func (e *engine) prepareHeaders(st *call, r *http.Request) error {
	if !e.freshHeaders {
		return nil
	}
	r.Header = st.req.Header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if e.cfg.tokenSource != nil {
		return e.authorize(st, r)
	}
	return nil
}

// checkRetry is go-retryablehttp's CheckRetry hook.
func (e *engine) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st, ok := ctx.Value(callKey{}).(*call)
	if !ok { // not sent through run: never retry
		return false, nil
	}
	st.attempts++
	st.last = nil
	if st.parent.Err() != nil {
		return false, nil
	}
	if err != nil {
		return st.afterTransportError(err), nil
	}
	if resp.StatusCode < 400 {
		st.succeeded()
		return false, nil
	}
	return st.afterFailedResponse(resp), nil
}

// prepareRetry is go-retryablehttp's PrepareRetry hook: wait, then set a
// fresh body on the copy of the request it is about to send.
func (e *engine) prepareRetry(req *http.Request) error {
	st, ok := req.Context().Value(callKey{}).(*call)
	if !ok {
		return nil
	}
	if err := e.cfg.sleep(st.parent, st.wait); err != nil {
		return err
	}
	body, err := st.body.next()
	if err != nil {
		return err
	}
	req.Body = body
	return e.prepareHeaders(st, req)
}

// event reports a retry to the logger and the callback.
func (e *engine) event(st *call, status int, cause error) {
	if e.cfg.onRetry == nil && e.cfg.logger == nil {
		return
	}
	ev := RetryEvent{Vendor: e.vendor.name, Method: st.req.Method, URL: redact.URL(st.req.URL),
		Attempt: st.attempts, StatusCode: status, Err: cause, Wait: st.wait}
	if e.cfg.onRetry != nil {
		e.cfg.onRetry(ev)
	}
	if l := e.cfg.logger; l != nil {
		l.LogAttrs(st.parent, slog.LevelInfo, "iotapi: retrying",
			slog.String("vendor", ev.Vendor), slog.String("method", ev.Method), slog.String("url", ev.URL),
			slog.Int("attempt", ev.Attempt), slog.Int("status", ev.StatusCode),
			slog.Duration("wait", ev.Wait), slog.String("reason", reason(cause)))
	}
}

// stopped records why retrying stopped early and logs it.
func (e *engine) stopped(st *call, why error, cause error) {
	st.stop = why
	if l := e.cfg.logger; l != nil {
		l.LogAttrs(st.parent, slog.LevelWarn, "iotapi: not retrying",
			slog.String("vendor", e.vendor.name), slog.String("method", st.req.Method),
			slog.String("url", redact.URL(st.req.URL)), slog.Int("attempt", st.attempts),
			slog.String("reason", reason(cause)), slog.String("why", why.Error()))
	}
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
	return unwrapURLError(err).Error()
}

// drain reads what is left of an abandoned response body on the wire, up
// to a bound, so the connection can be reused, and closes the body.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(httpbody.Rest(body), drainLimit))
	_ = body.Close()
}

// drainLimit is how much of an abandoned body is read to keep its connection.
const drainLimit = 64 << 10
