package otelx_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/otelx"
)

// rig records what otelx reports: spans through the SDK's span recorder,
// metrics through a manual reader.
type rig struct {
	t      *testing.T
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	r.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() {
		require.NoError(t, r.tp.Shutdown(context.Background()))
		require.NoError(t, r.mp.Shutdown(context.Background()))
	})
	return r
}

// options are otelx's options for the rig's providers, with the W3C trace
// context propagator.
func (r *rig) options() []otelx.Option {
	return []otelx.Option{otelx.WithTracerProvider(r.tp), otelx.WithMeterProvider(r.mp),
		otelx.WithPropagators(propagation.TraceContext{})}
}

// client returns a client for v that sends to srv through otelx's
// transport, with otelx's hooks.
func (r *rig) client(srv *httptest.Server, v iotapi.Vendor, opts ...iotapi.Option) *iotapi.Client {
	hc := &http.Client{Transport: otelx.NewTransport(srv.Client().Transport, r.options()...)}
	return iotapi.NewClient(hc, v, append([]iotapi.Option{iotapi.WithHooks(otelx.Hooks(r.options()...))}, opts...)...)
}

// tracer is a tracer of the rig's, for the caller's own spans.
func (r *rig) tracer() trace.Tracer { return r.tp.Tracer("test") }

// ended returns the ended spans called name, in the order they ended.
func (r *rig) ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// metric returns the data of the metric called name, or nil.
func (r *rig) metric(name string) *metricdata.Metrics {
	r.t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(r.t, r.reader.Collect(context.Background(), &rm))
	for _, sm := range rm.ScopeMetrics {
		for i := range sm.Metrics {
			if sm.Metrics[i].Name == name {
				require.Equal(r.t, otelx.ScopeName, sm.Scope.Name)
				return &sm.Metrics[i]
			}
		}
	}
	return nil
}

// histogram returns the count and sum of the points of a float64
// histogram whose attributes include every one of want.
func (r *rig) histogram(name string, want ...attribute.KeyValue) (count uint64, sum float64) {
	r.t.Helper()
	m := r.metric(name)
	if m == nil {
		return 0, 0
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(r.t, ok, "%s is a float64 histogram", name)
	for _, p := range h.DataPoints {
		if includes(p.Attributes, want) {
			count += p.Count
			sum += p.Sum
		}
	}
	return count, sum
}

// counter returns the sum of the points of an int64 counter whose
// attributes include every one of want.
func (r *rig) counter(name string, want ...attribute.KeyValue) int64 {
	r.t.Helper()
	m := r.metric(name)
	if m == nil {
		return 0
	}
	s, ok := m.Data.(metricdata.Sum[int64])
	require.True(r.t, ok, "%s is an int64 sum", name)
	require.True(r.t, s.IsMonotonic, "%s is a counter", name)
	var n int64
	for _, p := range s.DataPoints {
		if includes(p.Attributes, want) {
			n += p.Value
		}
	}
	return n
}

// pointAttrs returns the attribute sets of a metric's points.
func (r *rig) pointAttrs(name string) []attribute.Set {
	r.t.Helper()
	m := r.metric(name)
	if m == nil {
		return nil
	}
	var out []attribute.Set
	switch d := m.Data.(type) {
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	}
	return out
}

func includes(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

// attr returns the value of a span's attribute key, and whether it has
// it.
func attr(s sdktrace.ReadOnlySpan, key string) (attribute.Value, bool) {
	return find(s.Attributes(), key)
}

func find(attrs []attribute.KeyValue, key string) (attribute.Value, bool) {
	for _, kv := range attrs {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// events returns the span's events called name.
func events(s sdktrace.ReadOnlySpan, name string) []sdktrace.Event {
	var out []sdktrace.Event
	for _, e := range s.Events() {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// port returns the port srv listens on.
func port(srv *httptest.Server) int64 {
	return int64(srv.Listener.Addr().(*net.TCPAddr).Port)
}

// get sends a GET to url through c, and closes the body of a response.
func get(t *testing.T, ctx context.Context, c *iotapi.Client, url string) error {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

// headers records a header of every request a handler is given.
type headers struct {
	name string
	mu   sync.Mutex
	seen []string
}

func (h *headers) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.seen = append(h.seen, r.Header.Get(h.name))
		h.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (h *headers) values() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

// tokens is a token source that hands out tok-1, tok-2, ... or fails with
// err.
type tokens struct {
	mu  sync.Mutex
	n   int
	err error
}

func (s *tokens) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	s.n++
	return &oauth2.Token{AccessToken: "tok-" + strconv.Itoa(s.n), TokenType: "Bearer"}, nil
}
