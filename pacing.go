package iotapi

import "net/http"

// pacedTransport is what every attempt goes through: the base
// RoundTripper, paced by the limiter if one is set. It also hides the
// base's CloseIdleConnections from go-retryablehttp, which calls it
// whenever it gives up: other calls share the pool.
type pacedTransport struct {
	rt      http.RoundTripper
	limiter Limiter
}

func (t pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.limiter != nil {
		return pace(t.limiter, t.rt, req)
	}
	return t.rt.RoundTrip(req)
}

var _ http.RoundTripper = pacedTransport{}
