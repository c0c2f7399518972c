package otelx

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/semconv/v1.37.0/httpconv"
)

// instruments are the metrics otelx records (see the package doc).
type instruments struct {
	requestDuration metric.Float64Histogram // http.client.request.duration, per attempt
	callDuration    metric.Float64Histogram // iotapi.client.call.duration
	retries         metric.Int64Counter     // iotapi.client.retries
	limiterWait     metric.Float64Histogram // iotapi.client.rate_limit.wait_time
	budgetRefusals  metric.Int64Counter     // iotapi.client.retry_budget.refusals
	tokenFetches    metric.Int64Counter     // iotapi.client.token.fetches
}

// requestBuckets are the bucket boundaries the HTTP semantic conventions
// advise for http.client.request.duration, in seconds.
var requestBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// waitBuckets bound the durations that include waits: vendors ask for up
// to a minute (DT waits at least 10 s after a 504, Telemax up to 60 s).
var waitBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120}

func newInstruments(m metric.Meter) instruments {
	var i instruments
	d, err := httpconv.NewClientRequestDuration(m, metric.WithExplicitBucketBoundaries(requestBuckets...))
	handle(err)
	i.requestDuration = d.Inst()

	i.callDuration, err = m.Float64Histogram("iotapi.client.call.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of calls through an iotapi client: every attempt, and the waits between them."),
		metric.WithExplicitBucketBoundaries(waitBuckets...))
	i.callDuration = orNoop(i.callDuration, err)

	i.retries, err = m.Int64Counter("iotapi.client.retries",
		metric.WithUnit("{retry}"),
		metric.WithDescription("Retries planned by iotapi clients, the token replay included, by reason: the failure retried."))
	i.retries = orNoopCounter(i.retries, err)

	i.limiterWait, err = m.Float64Histogram("iotapi.client.rate_limit.wait_time",
		metric.WithUnit("s"),
		metric.WithDescription("Time attempts waited for the client-side rate limiter before they were sent."),
		metric.WithExplicitBucketBoundaries(waitBuckets...))
	i.limiterWait = orNoop(i.limiterWait, err)

	i.budgetRefusals, err = m.Int64Counter("iotapi.client.retry_budget.refusals",
		metric.WithUnit("{call}"),
		metric.WithDescription("Calls not retried because the client's retry budget was spent."))
	i.budgetRefusals = orNoopCounter(i.budgetRefusals, err)

	i.tokenFetches, err = m.Int64Counter("iotapi.client.token.fetches",
		metric.WithUnit("{fetch}"),
		metric.WithDescription("Fetches from the token source; error.type is set on those that failed."))
	i.tokenFetches = orNoopCounter(i.tokenFetches, err)
	return i
}

// handle reports an error creating an instrument to the global error
// handler, as OpenTelemetry's own instrumentations do: telemetry never
// fails a call.
func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

func orNoop(h metric.Float64Histogram, err error) metric.Float64Histogram {
	handle(err)
	if h == nil {
		return noop.Float64Histogram{}
	}
	return h
}

func orNoopCounter(c metric.Int64Counter, err error) metric.Int64Counter {
	handle(err)
	if c == nil {
		return noop.Int64Counter{}
	}
	return c
}
