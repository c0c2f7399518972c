package otelx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/otelx"
)

var (
	vendorDT   = attribute.String("iotapi.vendor", "dt")
	methodGET  = attribute.String("http.request.method", "GET")
	status200  = attribute.Int("http.response.status_code", 200)
	status503  = attribute.Int("http.response.status_code", 503)
	unavailErr = attribute.String("error.type", "unavailable")
)

// A call retried twice is one span of kind internal with three attempt
// spans of kind client under it, resend counts absent, 1 and 2, each
// attempt's span context on the wire.
func TestHooks_CallRetriedTwice(t *testing.T) {
	r := newRig(t)
	tp := &headers{name: "traceparent"}
	srv := httptest.NewServer(tp.wrap(iotapitest.NewPlan(
		iotapitest.Times(2, iotapitest.Respond(iotapitest.MustLookup("dt", "503").WithHeader("Retry-After", "2"))),
		iotapitest.Always(iotapitest.OK(`{}`)),
	)))
	defer srv.Close()
	var waits iotapitest.Waits
	client := r.client(srv, dt.Vendor, waits.Record())

	ctx, parent := r.tracer().Start(context.Background(), "handler")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/devices", nil)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	parent.End()
	assert.Empty(t, req.Header.Get("traceparent"), "the caller's request is not modified")

	calls := r.ended("dt GET")
	require.Len(t, calls, 1)
	call := calls[0]
	assert.Equal(t, trace.SpanKindInternal, call.SpanKind())
	assert.Equal(t, parent.SpanContext().SpanID(), call.Parent().SpanID(), "the call is a child of the caller's span")
	assert.Equal(t, codes.Unset, call.Status().Code)
	for key, want := range map[string]attribute.Value{
		"iotapi.vendor":             attribute.StringValue("dt"),
		"http.request.method":       attribute.StringValue("GET"),
		"server.address":            attribute.StringValue("127.0.0.1"),
		"server.port":               attribute.Int64Value(port(srv)),
		"url.full":                  attribute.StringValue(srv.URL + "/v1/devices"),
		"http.response.status_code": attribute.Int64Value(200),
		"iotapi.attempts":           attribute.Int64Value(3),
	} {
		got, ok := attr(call, key)
		assert.True(t, ok, "call span has %s", key)
		assert.Equal(t, want, got, key)
	}
	for _, key := range []string{"error.type", "iotapi.retry.stop_reason"} {
		_, ok := attr(call, key)
		assert.False(t, ok, "a call that succeeded has no %s", key)
	}
	retries := events(call, "iotapi.retry")
	require.Len(t, retries, 2)
	for i, ev := range retries {
		wait, _ := find(ev.Attributes, "iotapi.retry.wait")
		reason, _ := find(ev.Attributes, "iotapi.retry.reason")
		attempt, _ := find(ev.Attributes, "iotapi.attempt")
		status, _ := find(ev.Attributes, "http.response.status_code")
		assert.Equal(t, 2.0, wait.AsFloat64(), "the wait planned, in seconds")
		assert.Equal(t, "unavailable", reason.AsString())
		assert.Equal(t, int64(i+1), attempt.AsInt64())
		assert.Equal(t, int64(503), status.AsInt64())
	}
	assert.Equal(t, []time.Duration{2 * time.Second, 2 * time.Second}, waits.Planned())

	attempts := r.ended("GET")
	require.Len(t, attempts, 3)
	seen := tp.values()
	require.Len(t, seen, 3)
	for i, a := range attempts {
		assert.Equal(t, trace.SpanKindClient, a.SpanKind())
		assert.Equal(t, call.SpanContext().SpanID(), a.Parent().SpanID(), "attempt %d is a child of the call", i+1)
		assert.Equal(t, parent.SpanContext().TraceID(), a.SpanContext().TraceID())
		resend, ok := attr(a, "http.request.resend_count")
		if i == 0 {
			assert.False(t, ok, "the first attempt is no resend")
		} else {
			assert.True(t, ok)
			assert.Equal(t, int64(i), resend.AsInt64(), "attempt %d", i+1)
		}
		status, _ := attr(a, "http.response.status_code")
		errType, failed := attr(a, "error.type")
		if i < 2 {
			assert.Equal(t, int64(503), status.AsInt64())
			assert.Equal(t, "unavailable", errType.AsString(), "error.type is the Kind")
			assert.Equal(t, codes.Error, a.Status().Code)
			assert.Empty(t, a.Status().Description, "the status code says what failed")
		} else {
			assert.Equal(t, int64(200), status.AsInt64())
			assert.False(t, failed)
			assert.Equal(t, codes.Unset, a.Status().Code)
		}
		for _, key := range []string{"http.request.method", "server.address", "server.port", "url.full"} {
			_, ok := attr(a, key)
			assert.True(t, ok, "attempt %d has %s", i+1, key)
		}

		// The vendor sees the attempt's own span as its parent.
		carrier := propagation.HeaderCarrier{"Traceparent": []string{seen[i]}}
		remote := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), carrier))
		assert.True(t, remote.IsValid(), "attempt %d sent a traceparent: %q", i+1, seen[i])
		assert.Equal(t, a.SpanContext().SpanID(), remote.SpanID(), "attempt %d", i+1)
		assert.Equal(t, a.SpanContext().TraceID(), remote.TraceID())
	}

	n, _ := r.histogram("http.client.request.duration", vendorDT, methodGET, status503, unavailErr,
		attribute.String("server.address", "127.0.0.1"), attribute.Int64("server.port", port(srv)))
	assert.Equal(t, uint64(2), n)
	n, _ = r.histogram("http.client.request.duration", vendorDT, methodGET, status200)
	assert.Equal(t, uint64(1), n)
	for _, set := range r.pointAttrs("http.client.request.duration") {
		if v, ok := set.Value("http.response.status_code"); ok && v.AsInt64() == 200 {
			assert.False(t, set.HasValue("error.type"), "no error.type on a success")
		}
		assert.False(t, set.HasValue("url.full"), "no URL in a metric: its cardinality is unbounded")
	}
	assert.Equal(t, int64(2), r.counter("iotapi.client.retries", vendorDT, attribute.String("iotapi.retry.reason", "unavailable")))
	n, _ = r.histogram("iotapi.client.call.duration", vendorDT, methodGET, status200)
	assert.Equal(t, uint64(1), n)
	assert.Zero(t, r.counter("iotapi.client.retry_budget.refusals"))
}

// The token replay is a resend too; the token fetches are events of the
// call and are counted.
func TestHooks_TokenReplay(t *testing.T) {
	r := newRig(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") == "Bearer tok-1" {
			iotapitest.MustLookup("dt", "401").ServeHTTP(w, req)
			return
		}
		iotapitest.OK(`{}`)(w, req)
	}))
	defer srv.Close()
	client := r.client(srv, dt.Vendor, iotapi.WithTokenSource(&tokens{}))
	require.NoError(t, get(t, context.Background(), client, srv.URL))

	attempts := r.ended("GET")
	require.Len(t, attempts, 2)
	errType, _ := attr(attempts[0], "error.type")
	assert.Equal(t, "unauthenticated", errType.AsString())
	_, replay := attr(attempts[0], "iotapi.token.replay")
	assert.False(t, replay)
	resend, _ := attr(attempts[1], "http.request.resend_count")
	assert.Equal(t, int64(1), resend.AsInt64())
	replayed, _ := attr(attempts[1], "iotapi.token.replay")
	assert.True(t, replayed.AsBool())

	call := r.ended("dt GET")[0]
	fetches := events(call, "iotapi.token.fetch")
	require.Len(t, fetches, 2, "one token, then a new one for the replay")
	for _, ev := range fetches {
		_, failed := find(ev.Attributes, "error.type")
		assert.False(t, failed)
		_, ok := find(ev.Attributes, "iotapi.token.fetch.duration")
		assert.True(t, ok)
	}
	retries := events(call, "iotapi.retry")
	require.Len(t, retries, 1)
	reason, _ := find(retries[0].Attributes, "iotapi.retry.reason")
	assert.Equal(t, "unauthenticated", reason.AsString())
	assert.Equal(t, int64(2), r.counter("iotapi.client.token.fetches", vendorDT))
	for _, set := range r.pointAttrs("iotapi.client.token.fetches") {
		assert.False(t, set.HasValue("error.type"))
	}
	assert.Equal(t, int64(1), r.counter("iotapi.client.retries", vendorDT, attribute.String("iotapi.retry.reason", "unauthenticated")))
}

// A failed token fetch fails the call before any attempt: the call's span
// says why, and the failure is counted with its error.type.
func TestHooks_TokenFetchFails(t *testing.T) {
	r := newRig(t)
	srv := httptest.NewServer(http.HandlerFunc(iotapitest.OK(`{}`)))
	defer srv.Close()
	denied := &oauth2.RetrieveError{
		Response: &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{}},
		Body:     []byte(`{"error":"invalid_client"}`),
	}
	client := r.client(srv, dt.Vendor, iotapi.WithTokenSource(&tokens{err: denied}))
	require.Error(t, get(t, context.Background(), client, srv.URL))

	assert.Empty(t, r.ended("GET"), "no attempt went out")
	call := r.ended("dt GET")[0]
	assert.Equal(t, codes.Error, call.Status().Code)
	assert.Contains(t, call.Status().Description, "fetching token")
	errType, _ := attr(call, "error.type")
	assert.Equal(t, "unauthenticated", errType.AsString(), "the token endpoint's answer, by its Kind")
	attempts, _ := attr(call, "iotapi.attempts")
	assert.Equal(t, int64(0), attempts.AsInt64())
	fetches := events(call, "iotapi.token.fetch")
	require.Len(t, fetches, 1)
	fetchErr, _ := find(fetches[0].Attributes, "error.type")
	assert.Equal(t, "unauthenticated", fetchErr.AsString())
	assert.Equal(t, int64(1), r.counter("iotapi.client.token.fetches", vendorDT, attribute.String("error.type", "unauthenticated")))
}

// An attempt that got no response has the transport error's type as
// error.type, and no status code.
func TestHooks_TransportError(t *testing.T) {
	r := newRig(t)
	srv := httptest.NewServer(http.HandlerFunc(iotapitest.OK(`{}`)))
	url := srv.URL
	srv.Close() // nothing listens there now
	client := r.client(srv, dt.Vendor)
	ctx := iotapi.WithCallOptions(context.Background(), iotapi.NoRetries())
	require.Error(t, get(t, ctx, client, url))

	attempts := r.ended("GET")
	require.Len(t, attempts, 1)
	a := attempts[0]
	errType, _ := attr(a, "error.type")
	assert.Equal(t, "*net.OpError", errType.AsString())
	_, ok := attr(a, "http.response.status_code")
	assert.False(t, ok, "no response, no status code")
	assert.Equal(t, codes.Error, a.Status().Code)
	assert.Contains(t, a.Status().Description, "connect", "a transport error is described")

	call := r.ended("dt GET")[0]
	callErr, _ := attr(call, "error.type")
	assert.Equal(t, "*net.OpError", callErr.AsString())
	assert.Equal(t, codes.Error, call.Status().Code)
	n, _ := r.histogram("http.client.request.duration", vendorDT, attribute.String("error.type", "*net.OpError"))
	assert.Equal(t, uint64(1), n)
}

// Why retrying stopped early is on the call's span, as an attribute and
// the status; a refusal by the retry budget is counted.
func TestHooks_StopReasons(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		answer iotapitest.Response
		opts   []iotapi.Option
		stop   error
		reason string
		kind   string
	}{
		{"retry after too long", http.MethodGet, iotapitest.MustLookup("dt", "429").WithHeader("Retry-After", "3600"),
			[]iotapi.Option{iotapi.WithMaxRetryAfter(time.Minute)}, iotapi.ErrRetryAfterTooLong, "retry_after_too_long", "rate_limited"},
		{"retry budget exhausted", http.MethodGet, iotapitest.MustLookup("dt", "503"),
			[]iotapi.Option{iotapi.WithRetryBudget(iotapi.RetryBudget{Floor: 1})}, iotapi.ErrRetryBudgetExhausted, "retry_budget_exhausted", "unavailable"},
		{"not replayable", http.MethodPost, iotapitest.MustLookup("dt", "500"),
			nil, iotapi.ErrNotReplayable, "not_replayable", "server_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			srv := httptest.NewServer(tc.answer)
			defer srv.Close()
			var waits iotapitest.Waits
			client := r.client(srv, dt.Vendor, append(tc.opts, waits.Record())...)
			req, _ := http.NewRequest(tc.method, srv.URL, strings.NewReader(`{}`))
			_, err := client.Do(req)
			require.ErrorIs(t, err, tc.stop)

			call := r.ended("dt " + tc.method)[0]
			reason, _ := attr(call, "iotapi.retry.stop_reason")
			assert.Equal(t, tc.reason, reason.AsString())
			errType, _ := attr(call, "error.type")
			assert.Equal(t, tc.kind, errType.AsString())
			assert.Equal(t, codes.Error, call.Status().Code)
			assert.Equal(t, tc.stop.Error(), call.Status().Description)
			refused := int64(0)
			if tc.stop == iotapi.ErrRetryBudgetExhausted {
				refused = 1
			}
			assert.Equal(t, refused, r.counter("iotapi.client.retry_budget.refusals", vendorDT))
			n, _ := r.histogram("iotapi.client.call.duration", vendorDT, attribute.String("iotapi.retry.stop_reason", tc.reason))
			assert.Equal(t, uint64(1), n)
		})
	}
}

// sleepyLimiter makes every attempt wait d.
type sleepyLimiter struct{ d time.Duration }

func (l sleepyLimiter) Wait(ctx context.Context) error {
	t := time.NewTimer(l.d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refusingLimiter lets no attempt go.
type refusingLimiter struct{}

func (refusingLimiter) Wait(context.Context) error { return context.Canceled }

// The wait for the rate limiter is an event of the attempt, is recorded on
// its own, and is not part of the request's duration.
func TestHooks_RateLimitWait(t *testing.T) {
	r := newRig(t)
	srv := httptest.NewServer(http.HandlerFunc(iotapitest.OK(`{}`)))
	defer srv.Close()
	const wait = 50 * time.Millisecond
	client := r.client(srv, dt.Vendor, iotapi.WithRateLimit(sleepyLimiter{wait}))
	require.NoError(t, get(t, context.Background(), client, srv.URL))

	a := r.ended("GET")[0]
	waits := events(a, "iotapi.rate_limit.wait")
	require.Len(t, waits, 1)
	waited, _ := find(waits[0].Attributes, "iotapi.rate_limit.wait_time")
	assert.GreaterOrEqual(t, waited.AsFloat64(), wait.Seconds())

	n, sum := r.histogram("http.client.request.duration", vendorDT, status200)
	require.Equal(t, uint64(1), n)
	span := a.EndTime().Sub(a.StartTime()).Seconds()
	assert.InDelta(t, span-waited.AsFloat64(), sum, 1e-6, "the attempt's time less its wait for the limiter")
	n, sum = r.histogram("iotapi.client.rate_limit.wait_time", vendorDT)
	assert.Equal(t, uint64(1), n)
	assert.Equal(t, waited.AsFloat64(), sum)
}

// An attempt the limiter refused never went out: its span says why, and
// it has no request duration.
func TestHooks_RateLimitRefused(t *testing.T) {
	r := newRig(t)
	srv := httptest.NewServer(http.HandlerFunc(iotapitest.OK(`{}`)))
	defer srv.Close()
	client := r.client(srv, dt.Vendor, iotapi.WithRateLimit(refusingLimiter{}))
	require.Error(t, get(t, context.Background(), client, srv.URL))

	a := r.ended("GET")[0]
	errType, _ := attr(a, "error.type")
	assert.Equal(t, "canceled", errType.AsString())
	waits := events(a, "iotapi.rate_limit.wait")
	require.Len(t, waits, 1)
	waitErr, _ := find(waits[0].Attributes, "error.type")
	assert.Equal(t, "canceled", waitErr.AsString())
	n, _ := r.histogram("http.client.request.duration")
	assert.Zero(t, n, "nothing was sent")
	n, _ = r.histogram("iotapi.client.rate_limit.wait_time", vendorDT, attribute.String("error.type", "canceled"))
	assert.Equal(t, uint64(1), n)
}

// No span, event or attribute holds a credential of the URL.
func TestHooks_NoSecrets(t *testing.T) {
	r := newRig(t)
	srv := httptest.NewServer(iotapitest.NewPlan(
		iotapitest.Times(1, iotapitest.Respond(iotapitest.MustLookup("dt", "503"))),
		iotapitest.Always(iotapitest.OK(`{}`)),
	))
	defer srv.Close()
	var waits iotapitest.Waits
	client := r.client(srv, dt.Vendor, waits.Record())
	const secret = "s3cr3t-t0ken"
	require.NoError(t, get(t, context.Background(), client, srv.URL+"/v1/devices?access_token="+secret))

	spans := r.spans.Ended()
	require.Len(t, spans, 3)
	for _, s := range spans {
		all := append([]attribute.KeyValue(nil), s.Attributes()...)
		for _, ev := range s.Events() {
			all = append(all, ev.Attributes...)
		}
		for _, kv := range all {
			assert.NotContains(t, kv.Value.Emit(), secret, "%s of %s", kv.Key, s.Name())
		}
		assert.NotContains(t, s.Status().Description, secret)
	}
	u, _ := attr(r.ended("GET")[0], "url.full")
	assert.Equal(t, srv.URL+"/v1/devices?access_token=REDACTED", u.AsString())
}

// A method the conventions do not know is _OTHER, its spans named HTTP.
func TestHooks_OtherMethod(t *testing.T) {
	r := newRig(t)
	srv := httptest.NewServer(http.HandlerFunc(iotapitest.OK(`{}`)))
	defer srv.Close()
	client := r.client(srv, dt.Vendor)
	req, _ := http.NewRequest("PURGE", srv.URL, nil)
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	require.Len(t, r.ended("dt HTTP"), 1)
	a := r.ended("HTTP")
	require.Len(t, a, 1)
	method, _ := attr(a[0], "http.request.method")
	original, _ := attr(a[0], "http.request.method_original")
	assert.Equal(t, "_OTHER", method.AsString())
	assert.Equal(t, "PURGE", original.AsString())
	n, _ := r.histogram("http.client.request.duration", attribute.String("http.request.method", "_OTHER"))
	assert.Equal(t, uint64(1), n)
	for _, set := range r.pointAttrs("http.client.request.duration") {
		assert.False(t, set.HasValue("http.request.method_original"), "any text a caller sends stays out of metrics")
	}
}

// Through iotapi.NewTransport, under the caller's own http.Client, a call
// is traced the same way.
func TestHooks_UnderNewTransport(t *testing.T) {
	r := newRig(t)
	tp := &headers{name: "traceparent"}
	srv := httptest.NewServer(tp.wrap(iotapitest.NewPlan(
		iotapitest.Times(1, iotapitest.Respond(iotapitest.MustLookup("dt", "503"))),
		iotapitest.Always(iotapitest.OK(`{}`)),
	)))
	defer srv.Close()
	var waits iotapitest.Waits
	hc := &http.Client{Transport: iotapi.NewTransport(otelx.NewTransport(srv.Client().Transport, r.options()...), dt.Vendor,
		waits.Record(), iotapi.WithHooks(otelx.Hooks(r.options()...)))}
	resp, err := hc.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()

	call := r.ended("dt GET")
	require.Len(t, call, 1)
	attempts := r.ended("GET")
	require.Len(t, attempts, 2)
	seen := tp.values()
	for i, a := range attempts {
		assert.Equal(t, call[0].SpanContext().SpanID(), a.Parent().SpanID())
		assert.Contains(t, seen[i], a.SpanContext().SpanID().String(), "attempt %d's span is on the wire", i+1)
	}
	resend, _ := attr(attempts[1], "http.request.resend_count")
	assert.Equal(t, int64(1), resend.AsInt64())
}

// Concurrent calls each get their own spans, correctly parented, and
// their own trace on the wire.
func TestHooks_ConcurrentCalls(t *testing.T) {
	r := newRig(t)
	var mu sync.Mutex
	traces := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// The first attempt of each trace, a call's, fails once.
		remote := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(req.Context(), propagation.HeaderCarrier(req.Header)))
		mu.Lock()
		traces[remote.TraceID().String()]++
		n := traces[remote.TraceID().String()]
		mu.Unlock()
		if n == 1 {
			iotapitest.MustLookup("dt", "503").ServeHTTP(w, req)
			return
		}
		iotapitest.OK(`{}`)(w, req)
	}))
	defer srv.Close()
	var waits iotapitest.Waits
	client := r.client(srv, dt.Vendor, waits.Record())
	const calls = 20
	var wg sync.WaitGroup
	for range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, get(t, context.Background(), client, srv.URL))
		}()
	}
	wg.Wait()

	parents := map[trace.SpanID]bool{}
	for _, c := range r.ended("dt GET") {
		parents[c.SpanContext().SpanID()] = true
		assert.False(t, c.Parent().IsValid(), "a call without a caller's span is a root")
	}
	require.Len(t, parents, calls)
	assert.Len(t, traces, calls, "each call is a trace of its own")
	attempts := r.ended("GET")
	assert.Len(t, attempts, 2*calls)
	for _, a := range attempts {
		assert.True(t, parents[a.Parent().SpanID()], "each attempt is under a call")
	}
	n, _ := r.histogram("http.client.request.duration")
	assert.Equal(t, uint64(2*calls), n)
	assert.Equal(t, int64(calls), r.counter("iotapi.client.retries"))
}
