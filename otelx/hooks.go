package otelx

import (
	"context"
	"errors"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/iotapi/iotapi"
)

// The library's own attributes and span events (see the package doc).
const (
	attrVendor      = attribute.Key("iotapi.vendor")
	attrAttempts    = attribute.Key("iotapi.attempts")             // on the call span: attempts sent
	attrStopReason  = attribute.Key("iotapi.retry.stop_reason")    // on the call span, when retrying stopped early
	attrTokenReplay = attribute.Key("iotapi.token.replay")         // on an attempt span: it replays the call with a new token
	attrAttempt     = attribute.Key("iotapi.attempt")              // on a retry event: the attempt that failed, from 1
	attrRetryReason = attribute.Key("iotapi.retry.reason")         // the error.type of the failure retried
	attrRetryWait   = attribute.Key("iotapi.retry.wait")           // seconds
	attrLimiterWait = attribute.Key("iotapi.rate_limit.wait_time") // seconds
	attrFetchTook   = attribute.Key("iotapi.token.fetch.duration") // seconds

	eventRetry       = "iotapi.retry"
	eventLimiterWait = "iotapi.rate_limit.wait"
	eventTokenFetch  = "iotapi.token.fetch"
)

// Hooks returns hooks that trace and measure the calls of an iotapi
// client; add them with iotapi.WithHooks:
//
//	client := iotapi.NewClient(hc, dt.Vendor, iotapi.WithHooks(otelx.Hooks()))
//
// Each call gets a span of kind internal, and each of its attempts a
// child span of kind client that follows the semantic conventions for
// HTTP client spans. The attempt's span is in the context of its request:
// send the requests through [NewTransport] to carry the trace context to
// the vendor. The package doc lists every span, event, attribute and
// metric.
//
// The hooks are safe for concurrent use by many clients; each set creates
// its instruments once.
func Hooks(opts ...Option) iotapi.Hooks {
	cfg := newConfig(opts)
	scope := []trace.TracerOption{trace.WithSchemaURL(semconv.SchemaURL)}
	mscope := []metric.MeterOption{metric.WithSchemaURL(semconv.SchemaURL)}
	if v := version(); v != "" {
		scope = append(scope, trace.WithInstrumentationVersion(v))
		mscope = append(mscope, metric.WithInstrumentationVersion(v))
	}
	t := &telemetry{
		tracer: cfg.tracerProvider.Tracer(ScopeName, scope...),
		m:      newInstruments(cfg.meterProvider.Meter(ScopeName, mscope...)),
	}
	return iotapi.Hooks{
		CallStart:    t.callStart,
		AttemptStart: t.attemptStart,
		AttemptEnd:   t.attemptEnd,
		Retry:        t.retry,
		LimiterWait:  t.limiterWait,
		TokenFetch:   t.tokenFetch,
		CallEnd:      t.callEnd,
	}
}

// telemetry records the spans and metrics of the calls it hooks into.
type telemetry struct {
	tracer trace.Tracer
	m      instruments
}

// call is what a call's hooks share, kept in the call's context. A call's
// hooks run one at a time, from the goroutine making the call
// (iotapi.Hooks), so it needs no lock.
type call struct {
	span  trace.Span
	start time.Time

	// What every span and measurement of the call carries.
	vendor   attribute.KeyValue
	method   attribute.KeyValue // http.request.method: the method, or _OTHER
	original attribute.KeyValue // http.request.method_original, for an _OTHER method
	name     string             // the attempts' span name: the method, or HTTP
	address  attribute.KeyValue // server.address
	port     attribute.KeyValue // server.port
	url      attribute.KeyValue // url.full, as redacted by iotapi

	open *attempt // the attempt started and not yet ended
}

// attempt is what an attempt's hooks share, kept in its context.
type attempt struct {
	call   *call
	span   trace.Span
	start  time.Time
	waited time.Duration // for the rate limiter, not part of the request's duration
	unsent bool          // the limiter refused it: it never went out
}

type callKey struct{}

type attemptKey struct{}

func newCall(info iotapi.CallInfo) *call {
	c := &call{start: time.Now(), vendor: attrVendor.String(info.Vendor), url: semconv.URLFull(info.URL)}
	if knownMethods[info.Method] {
		c.method, c.name = semconv.HTTPRequestMethodKey.String(info.Method), info.Method
	} else {
		c.method, c.name = semconv.HTTPRequestMethodOther, "HTTP"
		c.original = semconv.HTTPRequestMethodOriginal(info.Method)
	}
	if u, err := url.Parse(info.URL); err == nil {
		c.address = semconv.ServerAddress(u.Hostname())
		if port := portOf(u); port > 0 {
			c.port = semconv.ServerPort(port)
		}
	}
	return c
}

// knownMethods are the methods the semantic conventions know; any other
// is recorded as _OTHER.
var knownMethods = map[string]bool{
	"CONNECT": true, "DELETE": true, "GET": true, "HEAD": true, "OPTIONS": true,
	"PATCH": true, "POST": true, "PUT": true, "TRACE": true,
}

// portOf returns u's port, or its scheme's default; 0 if neither is known.
func portOf(u *url.URL) int {
	if p := u.Port(); p != "" {
		n := 0
		for _, d := range p {
			if d < '0' || d > '9' || n > 65535 {
				return 0
			}
			n = n*10 + int(d-'0')
		}
		return n
	}
	switch u.Scheme {
	case "http":
		return 80
	case "https":
		return 443
	}
	return 0
}

// attrs appends the call's request attributes that are set: method and
// server, and for a span the original method and the URL, which metrics
// leave out for their cardinality.
func (c *call) attrs(to []attribute.KeyValue, span bool) []attribute.KeyValue {
	for _, kv := range []attribute.KeyValue{c.method, c.address, c.port} {
		if kv.Valid() {
			to = append(to, kv)
		}
	}
	if span {
		if c.original.Valid() {
			to = append(to, c.original)
		}
		to = append(to, c.url)
	}
	return to
}

// callOf returns the call of ctx, or, when the call did not start through
// these hooks, one described by info whose events go to ctx's span.
func callOf(ctx context.Context, info iotapi.CallInfo) *call {
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		return c
	}
	c := newCall(info)
	c.span = trace.SpanFromContext(ctx)
	return c
}

// callStart starts the call's span, of kind internal: the attempts are
// the HTTP client spans, and the conventions ask for no client span
// around them.
func (t *telemetry) callStart(ctx context.Context, info iotapi.CallInfo) context.Context {
	c := newCall(info)
	vendor := info.Vendor
	if vendor == "" {
		vendor = "iotapi"
	}
	ctx, c.span = t.tracer.Start(ctx, vendor+" "+c.name,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithTimestamp(c.start),
		trace.WithAttributes(c.attrs([]attribute.KeyValue{c.vendor}, true)...))
	return context.WithValue(ctx, callKey{}, c)
}

// attemptStart starts the attempt's span, of kind client, as a child of
// the call's. The context it returns is the attempt request's, so the
// span's context reaches the wire through NewTransport.
func (t *telemetry) attemptStart(ctx context.Context, info iotapi.AttemptInfo) context.Context {
	c := callOf(ctx, info.CallInfo)
	a := &attempt{call: c, start: time.Now()}
	attrs := c.attrs(make([]attribute.KeyValue, 0, 7), true)
	if info.Attempt > 1 { // every attempt after the first is a resend, the token replay too
		attrs = append(attrs, semconv.HTTPRequestResendCount(info.Attempt-1))
	}
	if info.Replay {
		attrs = append(attrs, attrTokenReplay.Bool(true))
	}
	ctx, a.span = t.tracer.Start(ctx, c.name,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithTimestamp(a.start),
		trace.WithAttributes(attrs...))
	c.open = a
	return context.WithValue(ctx, attemptKey{}, a)
}

// attemptEnd ends the attempt's span with its answer, following the HTTP
// conventions: status Error for a status of 400 or more or for no
// response, error.type set then. It records the attempt's duration
// without its wait for the rate limiter.
func (t *telemetry) attemptEnd(ctx context.Context, _ iotapi.AttemptInfo, r iotapi.AttemptResult) {
	a, ok := ctx.Value(attemptKey{}).(*attempt)
	if !ok {
		return
	}
	end := time.Now()
	var errType string
	switch {
	case r.Failure != nil:
		errType = kindType(r.Failure)
	case r.Err != nil:
		errType = errorType(r.Err)
	case r.StatusCode >= 400:
		errType = errorOther
	}
	result := make([]attribute.KeyValue, 0, 2)
	if r.StatusCode > 0 {
		result = append(result, semconv.HTTPResponseStatusCode(r.StatusCode))
	}
	if errType != "" {
		result = append(result, semconv.ErrorTypeKey.String(errType))
		desc := "" // the status code says what failed; a transport error needs words
		if r.Err != nil && r.StatusCode == 0 {
			desc = r.Err.Error()
		}
		a.span.SetStatus(codes.Error, desc)
	}
	a.span.SetAttributes(result...)
	a.span.End(trace.WithTimestamp(end))
	c := a.call
	if c.open == a {
		c.open = nil
	}
	if !a.unsent {
		attrs := append(c.attrs(make([]attribute.KeyValue, 0, 7), false), c.vendor)
		t.m.requestDuration.Record(ctx, (end.Sub(a.start) - a.waited).Seconds(),
			metric.WithAttributes(append(attrs, result...)...))
	}
}

// retry adds an event for the planned retry to the call's span, and counts
// it by reason.
func (t *telemetry) retry(ctx context.Context, ev iotapi.RetryEvent) {
	c := callOf(ctx, iotapi.CallInfo{Vendor: ev.Vendor, Method: ev.Method, URL: ev.URL})
	reason := errorType(ev.Err)
	if reason == "" {
		reason = errorOther
	}
	attrs := []attribute.KeyValue{attrAttempt.Int(ev.Attempt), attrRetryReason.String(reason), attrRetryWait.Float64(ev.Wait.Seconds())}
	if ev.StatusCode > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(ev.StatusCode))
	}
	c.span.AddEvent(eventRetry, trace.WithAttributes(attrs...))
	t.m.retries.Add(ctx, 1, metric.WithAttributes(c.vendor, attrRetryReason.String(reason)))
}

// limiterWait adds an event for the wait to the attempt's span, keeps it
// out of the attempt's duration, and records it.
func (t *telemetry) limiterWait(ctx context.Context, w iotapi.LimiterWait) {
	span, vendor := trace.SpanFromContext(ctx), attribute.KeyValue{}
	if a, ok := ctx.Value(attemptKey{}).(*attempt); ok {
		a.waited += w.Waited
		a.unsent = a.unsent || w.Err != nil
		span, vendor = a.span, a.call.vendor
	}
	event, measure := eventAttributes(attrLimiterWait.Float64(w.Waited.Seconds()), vendor, w.Err)
	span.AddEvent(eventLimiterWait, trace.WithAttributes(event...))
	t.m.limiterWait.Record(ctx, w.Waited.Seconds(), metric.WithAttributes(measure...))
}

// tokenFetch adds an event for the fetch to the call's span, and counts
// it.
func (t *telemetry) tokenFetch(ctx context.Context, f iotapi.TokenFetch) {
	span, vendor := trace.SpanFromContext(ctx), attribute.KeyValue{}
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		span, vendor = c.span, c.vendor
	}
	event, measure := eventAttributes(attrFetchTook.Float64(f.Took.Seconds()), vendor, f.Err)
	span.AddEvent(eventTokenFetch, trace.WithAttributes(event...))
	t.m.tokenFetches.Add(ctx, 1, metric.WithAttributes(measure...))
}

// eventAttributes returns the attributes of a wait's or a fetch's span
// event (what it measured, and the error's type when it failed) and of its
// measurement (the vendor when known, and the error's type).
func eventAttributes(what, vendor attribute.KeyValue, err error) (event, measure []attribute.KeyValue) {
	event = []attribute.KeyValue{what}
	measure = make([]attribute.KeyValue, 0, 2)
	if vendor.Valid() {
		measure = append(measure, vendor)
	}
	if err != nil {
		errType := semconv.ErrorTypeKey.String(errorType(err))
		event, measure = append(event, errType), append(measure, errType)
	}
	return event, measure
}

// callEnd ends the call's span with what the call came to, and records
// the call's duration and a refusal by the retry budget.
func (t *telemetry) callEnd(ctx context.Context, _ iotapi.CallInfo, r iotapi.CallResult) {
	c, ok := ctx.Value(callKey{}).(*call)
	if !ok {
		return
	}
	end := time.Now()
	if a := c.open; a != nil { // not expected: every attempt started is answered
		a.span.SetStatus(codes.Error, "the call ended before the attempt's answer")
		a.span.End(trace.WithTimestamp(end))
		c.open = nil
	}
	var errType string
	switch {
	case r.Failure != nil:
		errType = kindType(r.Failure)
	case r.Err != nil:
		errType = errorType(r.Err)
	case r.Stop != nil:
		errType = errorType(r.Stop)
	}
	result := make([]attribute.KeyValue, 0, 3)
	if r.StatusCode > 0 {
		result = append(result, semconv.HTTPResponseStatusCode(r.StatusCode))
	}
	if errType != "" {
		result = append(result, semconv.ErrorTypeKey.String(errType))
	}
	if r.Stop != nil {
		result = append(result, attrStopReason.String(stopReason(r.Stop)))
		if errors.Is(r.Stop, iotapi.ErrRetryBudgetExhausted) {
			t.m.budgetRefusals.Add(ctx, 1, metric.WithAttributes(c.vendor))
		}
	}
	attrs := append(c.attrs(make([]attribute.KeyValue, 0, 8), false), c.vendor)
	t.m.callDuration.Record(ctx, end.Sub(c.start).Seconds(), metric.WithAttributes(append(attrs, result...)...))

	c.span.SetAttributes(append(result, attrAttempts.Int(r.Attempts))...)
	switch {
	case r.Stop != nil: // why the call went no further
		c.span.SetStatus(codes.Error, r.Stop.Error())
	case r.Err != nil && r.Failure == nil: // no response: no status code says what failed
		c.span.SetStatus(codes.Error, r.Err.Error())
	case errType != "":
		c.span.SetStatus(codes.Error, "")
	}
	c.span.End(trace.WithTimestamp(end))
}
