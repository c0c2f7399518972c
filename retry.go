package iotapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/iotapi/iotapi/internal/httpbody"
	"github.com/iotapi/iotapi/internal/redact"
)

// NewTransport returns an http.RoundTripper that sends each request through
// base (http.DefaultTransport if nil) and retries it by v's rules and the
// options. It returns the final response untouched, err == nil for any HTTP
// status and the body readable, as http.RoundTripper requires; turning a
// response into an *APIError is the caller's step (v.CheckResponse, or use
// [NewClient]). It composes with other RoundTrippers on either side, and
// never follows redirects itself. It is safe for concurrent use.
func NewTransport(base http.RoundTripper, v Vendor, opts ...Option) http.RoundTripper {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &transport{engine: newEngine(hc, base, v, opts)}
}

type transport struct{ engine *engine }

var _ http.RoundTripper = (*transport)(nil)

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.engine.newCall(req.Context(), req)
	c.run()
	c.ended()
	o := c.out
	t.engine.release(c)
	switch {
	case o.resp != nil:
		return o.resp, nil
	case o.stop != nil && o.failure != nil: // the vendor answered; the next attempt never went out
		return nil, o.stop
	}
	return nil, o.err // the outer http.Client wraps it in a *url.Error
}

// Client sends requests to one vendor with retries and returns failures as
// errors: an *APIError for a non-2xx response, a *RequestError when no
// response came. It is safe for concurrent use.
type Client struct {
	engine  *engine
	timeout time.Duration
}

// NewClient returns a Client that sends through a copy of hc
// (http.DefaultClient if nil), keeping its Transport, Jar, CheckRedirect and
// Timeout; hc itself is not modified. hc's Timeout bounds the whole call,
// retries and waits included, and the reading of the response body, as it
// does for hc.
func NewClient(hc *http.Client, v Vendor, opts ...Option) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	inner := &http.Client{Jar: hc.Jar, CheckRedirect: hc.CheckRedirect}
	return &Client{engine: newEngine(inner, hc.Transport, v, opts), timeout: hc.Timeout}
}

// Do sends req, retrying by the vendor's rules. It returns the response for
// a 2xx status; the caller must close its body. Otherwise it returns a nil
// response (its body already drained and closed) and:
//   - for a final response of another status, an *APIError from the
//     vendor's decoder, with Attempts set and Err saying why retrying
//     stopped early, if it did;
//   - when the context ends or the Timeout passes during a wait, the
//     latest *APIError with Err matching context.Canceled or
//     context.DeadlineExceeded, or a *RequestError if no response came;
//   - when no response came, a *RequestError matching errors.Is for its
//     cause (syscall.ECONNREFUSED, context.DeadlineExceeded, ...).
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req == nil || req.URL == nil {
		return nil, errors.New("iotapi: Do: nil request or URL")
	}
	if c == nil || c.engine == nil {
		return nil, errors.New("iotapi: Do: a Client must be made by NewClient")
	}
	ctx, cancel := req.Context(), context.CancelFunc(nil)
	if c.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	call := c.engine.newCall(ctx, req)
	call.run()
	resp, err := c.answer(call, cancel)
	c.engine.release(call)
	return resp, err
}

// answer turns a call's outcome into Do's results.
func (c *Client) answer(call *call, cancel context.CancelFunc) (*http.Response, error) {
	defer call.ended()
	o := &call.out
	resp := o.resp
	if resp != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		err := c.engine.vendor.CheckResponse(resp) // a vendor may fail a 2xx (WithSuccessCheck)
		if err == nil {
			if cancel != nil {
				resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
			}
			return resp, nil
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) && o.stop == nil {
			o.stop = err // a check's error of its own: the reason the call failed
		}
		if apiErr == nil { // not an *APIError (or a nil one): the response decoded
			apiErr = c.engine.vendor.DecodeError(resp)
		}
		o.failure, o.resp = apiErr, nil
	}
	if cancel != nil {
		defer cancel()
	}
	if resp != nil {
		defer drain(resp.Body)
		if o.failure == nil { // 1xx or 3xx: not decoded while retrying
			o.failure = c.engine.vendor.DecodeError(resp)
		}
	}
	return nil, call.failure()
}

// failure is Do's error for an outcome without a usable response, with
// what a support report needs.
func (c *call) failure() error {
	o, e, req := &c.out, c.e, c.req
	info := requestInfo{method: req.Method, url: redact.URL(req.URL), start: c.start, end: time.Now()}
	if apiErr := o.failure; apiErr != nil {
		apiErr.Attempts, apiErr.Err, apiErr.req = o.attempts, o.stop, info
		return apiErr
	}
	var tokErr *tokenError
	var apiErr *APIError
	if o.attempts == 0 && errors.As(o.err, &tokErr) && errors.As(tokErr.err, &apiErr) {
		return apiErr // the token endpoint's own error, about the token request (Attempts 0)
	}
	return &RequestError{Vendor: e.vendor.name, Method: req.Method, URL: info.url,
		Attempts: o.attempts, Err: o.err, Stop: o.stop, start: info.start, end: info.end}
}

// drain reads what is left of an abandoned response body on the wire, up
// to a bound, so the connection can be reused, and closes the body.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(httpbody.Rest(body), drainLimit))
	_ = body.Close()
}

// drainLimit is how much of an abandoned body is read to keep its connection.
const drainLimit = 64 << 10

// cancelOnClose releases a call's timeout when its body is closed or read
// to the end, as http.Client does for its Timeout.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.cancel()
	}
	return n, err
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
