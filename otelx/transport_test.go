package otelx_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/iotapi/iotapi/otelx"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNewTransport_InjectsIntoACopy(t *testing.T) {
	var sent *http.Request
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r
		return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: r}, nil
	})
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	rt := otelx.NewTransport(base, otelx.WithPropagators(propagation.TraceContext{}))

	ctx, span := tp.Tracer("test").Start(context.Background(), "attempt")
	defer span.End()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.dt.example/v1/devices", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()

	assert.NotSame(t, req, sent, "a copy is sent")
	want := "00-" + span.SpanContext().TraceID().String() + "-" + span.SpanContext().SpanID().String() + "-01"
	assert.Equal(t, want, sent.Header.Get("traceparent"))
	assert.Equal(t, "application/json", sent.Header.Get("Accept"), "the request's own headers go too")
	assert.Empty(t, req.Header.Get("traceparent"), "the request given is not modified")
	assert.Len(t, req.Header, 1)

	// Without a span, there is nothing to add: the request goes as it is.
	plain, _ := http.NewRequest(http.MethodGet, "https://api.dt.example/v1/devices", nil)
	resp, err = rt.RoundTrip(plain)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Same(t, plain, sent)
}

type closer struct {
	roundTripFunc
	closed bool
}

func (c *closer) CloseIdleConnections() { c.closed = true }

func TestNewTransport_ClosesTheBasesIdleConnections(t *testing.T) {
	base := &closer{}
	hc := &http.Client{Transport: otelx.NewTransport(base)}
	hc.CloseIdleConnections()
	assert.True(t, base.closed)
}
