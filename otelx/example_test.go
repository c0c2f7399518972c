package otelx_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/otelx"
)

// Trace a call that DT answers 503 twice before it succeeds: one span for
// the call, and one per attempt under it.
func ExampleHooks() {
	plan := iotapitest.NewPlan(
		iotapitest.Times(2, iotapitest.Respond(iotapitest.MustLookup("dt", "503"))),
		iotapitest.Always(iotapitest.OK(`{"devices":[]}`)),
	)
	srv := httptest.NewServer(plan)
	defer srv.Close()

	// In a service, the providers are the global ones (the default) or
	// yours: otelx.WithTracerProvider, otelx.WithMeterProvider.
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background())

	var waits iotapitest.Waits // record DT's waits of 1 s instead of sleeping them
	hc := &http.Client{Transport: otelx.NewTransport(srv.Client().Transport)}
	client := iotapi.NewClient(hc, dt.Vendor, waits.Record(),
		iotapi.WithHooks(otelx.Hooks(otelx.WithTracerProvider(tp))))

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/devices", nil)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()

	for _, s := range spans.Ended() { // the attempts end before the call
		line := fmt.Sprintf("%-6s %-8s", s.Name(), s.SpanKind())
		for _, kv := range s.Attributes() {
			switch kv.Key {
			case "http.response.status_code", "http.request.resend_count", "error.type", "iotapi.attempts":
				line += fmt.Sprintf(" %s=%s", kv.Key, kv.Value.Emit())
			}
		}
		fmt.Println(line)
	}
	// Output:
	// GET    client   http.response.status_code=503 error.type=unavailable
	// GET    client   http.request.resend_count=1 http.response.status_code=503 error.type=unavailable
	// GET    client   http.request.resend_count=2 http.response.status_code=200
	// dt GET internal http.response.status_code=200 iotapi.attempts=3
}
