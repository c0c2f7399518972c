package otelx

import (
	"runtime/debug"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans and metrics otelx
// records: this module's path.
const ScopeName = "github.com/iotapi/iotapi/otelx"

// An Option configures [Hooks] and [NewTransport].
type Option func(*config)

type config struct {
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	propagator     propagation.TextMapPropagator
}

// newConfig applies opts over the defaults: the global providers and
// propagator, which forward to whatever is installed globally later.
func newConfig(opts []Option) config {
	c := config{
		tracerProvider: otel.GetTracerProvider(),
		meterProvider:  otel.GetMeterProvider(),
		propagator:     otel.GetTextMapPropagator(),
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// WithTracerProvider sets the TracerProvider the spans come from. The
// default, and what nil means, is the global one (otel.GetTracerProvider).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.tracerProvider = tp
		}
	}
}

// WithMeterProvider sets the MeterProvider the metrics are recorded with.
// The default, and what nil means, is the global one
// (otel.GetMeterProvider).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp != nil {
			c.meterProvider = mp
		}
	}
}

// WithPropagators sets the propagator that writes the trace context into
// each attempt's headers (see [NewTransport]). The default, and what nil
// means, is the global one (otel.GetTextMapPropagator), which propagates
// nothing until one is installed with otel.SetTextMapPropagator.
func WithPropagators(p propagation.TextMapPropagator) Option {
	return func(c *config) {
		if p != nil {
			c.propagator = p
		}
	}
}

// version is this module's version as the program was built with it, for
// the instrumentation scope; "" when the build does not say.
var version = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	if info.Main.Path == ScopeName {
		return info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == ScopeName {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
})
