package otelx

import (
	"net/http"

	"go.opentelemetry.io/otel/propagation"
)

// NewTransport returns an http.RoundTripper that writes the trace context
// of each request's context into the request's headers (traceparent and
// tracestate with the W3C propagator, baggage, ...: whatever the
// propagator writes) and sends it through base (http.DefaultTransport if
// nil). It sends a copy of the request when it adds a header: the
// request it is given is not modified.
//
// Put it under an iotapi client, where each attempt's request carries the
// context of the attempt's span (see [Hooks]), so that the vendor, or a
// proxy in front of it, sees the attempt as the parent of its own span:
//
//	hc := &http.Client{Transport: otelx.NewTransport(nil)}
//	client := iotapi.NewClient(hc, dt.Vendor, iotapi.WithHooks(otelx.Hooks()))
//
// Only [WithPropagators] applies to it. It is safe for concurrent use.
func NewTransport(base http.RoundTripper, opts ...Option) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, propagator: newConfig(opts).propagator}
}

type transport struct {
	base       http.RoundTripper
	propagator propagation.TextMapPropagator
}

var _ http.RoundTripper = (*transport)(nil)

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := requestCarrier{req: req}
	t.propagator.Inject(req.Context(), &c)
	return t.base.RoundTrip(c.req)
}

// CloseIdleConnections closes the idle connections of the base
// RoundTripper, if it can, so that http.Client.CloseIdleConnections
// reaches it.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// requestCarrier is the propagator's view of a request's headers: the
// first Set replaces req by a copy with headers of its own.
type requestCarrier struct {
	req    *http.Request
	copied bool
}

var _ propagation.TextMapCarrier = (*requestCarrier)(nil)

func (c *requestCarrier) Get(key string) string { return c.req.Header.Get(key) }

func (c *requestCarrier) Set(key, value string) {
	if !c.copied {
		r := c.req.WithContext(c.req.Context()) // a shallow copy
		r.Header = make(http.Header, len(c.req.Header)+2)
		for k, v := range c.req.Header {
			r.Header[k] = v // values are replaced, never written into
		}
		c.req, c.copied = r, true
	}
	c.req.Header.Set(key, value)
}

func (c *requestCarrier) Keys() []string {
	keys := make([]string, 0, len(c.req.Header))
	for k := range c.req.Header {
		keys = append(keys, k)
	}
	return keys
}
