// Package otelx traces and measures the calls of iotapi clients with
// OpenTelemetry. It is a module of its own
// (github.com/iotapi/iotapi/otelx), so that the core does not depend on
// OpenTelemetry.
//
// [Hooks] turns the client's hooks into spans and metrics, and
// [NewTransport] carries each attempt's trace context to the vendor:
//
//	hc := &http.Client{Transport: otelx.NewTransport(http.DefaultTransport)}
//	client := iotapi.NewClient(hc, dt.Vendor, iotapi.WithHooks(otelx.Hooks()))
//
// Both use the global TracerProvider, MeterProvider and propagator unless
// given others ([WithTracerProvider], [WithMeterProvider],
// [WithPropagators]). The instrumentation scope is [ScopeName].
//
// # Spans
//
// A call is a span named "{vendor} {method}" ("dt GET"), of kind internal,
// a child of the span in the request's context. Each attempt is a child
// span of the call, of kind client, named "{method}" ("GET"), that follows
// the semantic conventions for HTTP client spans (semconv v1.37.0):
// http.request.method, server.address, server.port, url.full (with
// credentials redacted by iotapi), http.response.status_code, and
// http.request.resend_count on every attempt after the first, the token
// replay included. An attempt answered with a status of 400 or more, or
// with no response, has status Error and error.type set. An attempt span
// starts before the wait for the rate limiter and ends when the
// response's headers have come (and, for a failure, its body has been
// decoded); redirects the client follows are part of their attempt.
//
// error.type is the Kind of the vendor's answer in snake case
// ("unavailable", "rate_limited", "token_expired", ...; the status code,
// "418", for iotapi.Unknown), "timeout" or "canceled" when a deadline
// passed or the context was canceled, or the type of a transport error
// ("*net.OpError").
//
// The call's span ends when the call returns, before its body is read,
// with http.response.status_code and error.type of the final answer,
// iotapi.attempts (attempts sent) and, when retrying stopped early,
// iotapi.retry.stop_reason: "retry_budget_exhausted",
// "retry_after_too_long", "not_replayable", "stale_token", or the
// error.type of what stopped it ("timeout", "canceled", ...). Its status is
// Error when the call failed; its description is then the stop reason's
// text, or the error when no response came.
//
// The call's span also has iotapi.vendor, and the attempt that replays a
// call with a new token iotapi.token.replay (true). A method the
// conventions do not know is recorded as http.request.method "_OTHER"
// with http.request.method_original, in spans named "HTTP".
//
// # Span events
//
//   - "iotapi.retry" on the call's span, for each planned retry: iotapi.attempt
//     (the attempt that failed, from 1), iotapi.retry.reason (its error.type),
//     iotapi.retry.wait (seconds), http.response.status_code.
//   - "iotapi.rate_limit.wait" on the attempt's span, for each wait for the
//     rate limiter: iotapi.rate_limit.wait_time (seconds), error.type when
//     the limiter refused the attempt (its context ended).
//   - "iotapi.token.fetch" on the call's span, for each fetch from the token
//     source: iotapi.token.fetch.duration (seconds), error.type when it
//     failed.
//
// # Metrics
//
//	name                                  instrument  unit      attributes
//	http.client.request.duration          histogram   s         http.request.method, server.address, server.port,
//	                                                            http.response.status_code, error.type, iotapi.vendor
//	iotapi.client.call.duration           histogram   s         the same, and iotapi.retry.stop_reason
//	iotapi.client.retries                 counter     {retry}   iotapi.vendor, iotapi.retry.reason
//	iotapi.client.rate_limit.wait_time    histogram   s         iotapi.vendor, error.type
//	iotapi.client.retry_budget.refusals   counter     {call}    iotapi.vendor
//	iotapi.client.token.fetches           counter     {fetch}   iotapi.vendor, error.type (failures only)
//
// http.client.request.duration is recorded per attempt sent, without the
// time the attempt waited for the rate limiter, with the buckets the
// semantic conventions advise; iotapi.client.call.duration covers the
// whole call, its waits included. iotapi.client.retries counts the
// planned retries, the token replay among them (its reason is
// "token_expired" or "unauthenticated").
//
// # Trace context
//
// Hooks cannot write headers, so the trace context goes to the vendor
// through [NewTransport], the base transport of the client: each attempt's
// request carries the context of the attempt's span, which NewTransport
// writes into a copy of the request with the propagator. Without it the
// spans are recorded all the same, and the vendor sees no traceparent.
package otelx
