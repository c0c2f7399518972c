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
	waited  func(context.Context, LimiterWait) // the LimiterWait hook, if any
}

func (t attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = withUserAgent(req)
	if t.limiter == nil {
		return t.rt.RoundTrip(req)
	}
	ctx := req.Context()
	start := time.Now()
	err := t.limiter.Wait(ctx)
	if t.waited != nil {
		t.waited(ctx, LimiterWait{Waited: time.Since(start), Err: err})
	}
	if err != nil {
		return nil, err
	}
	resp, err := t.rt.RoundTrip(req)
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
