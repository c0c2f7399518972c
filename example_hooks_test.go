package iotapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
)

// Count attempts and retries by status for your own metrics with hooks.
// (Package otelx builds OpenTelemetry spans and metrics from the same
// hooks.)
func ExampleWithHooks() {
	plan := iotapitest.NewPlan(
		iotapitest.Times(2, iotapitest.Respond(iotapitest.MustLookup("dt", "503").WithHeader("Retry-After", "2"))),
		iotapitest.Always(iotapitest.OK(`{}`)),
	)
	srv := httptest.NewServer(plan)
	defer srv.Close()

	var waits iotapitest.Waits
	client := iotapi.NewClient(srv.Client(), dt.Vendor, waits.Record(), iotapi.WithHooks(iotapi.Hooks{
		AttemptEnd: func(_ context.Context, a iotapi.AttemptInfo, r iotapi.AttemptResult) {
			fmt.Printf("attempt %d: %d\n", a.Attempt, r.StatusCode)
		},
		Retry: func(_ context.Context, ev iotapi.RetryEvent) {
			fmt.Printf("retrying after a %d, waiting %v\n", ev.StatusCode, ev.Wait)
		},
		CallEnd: func(_ context.Context, c iotapi.CallInfo, r iotapi.CallResult) {
			fmt.Printf("%s %s: %d after %d attempts\n", c.Vendor, c.Method, r.StatusCode, r.Attempts)
		},
	}))
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
	}
	// Output:
	// attempt 1: 503
	// retrying after a 503, waiting 2s
	// attempt 2: 503
	// retrying after a 503, waiting 2s
	// attempt 3: 200
	// dt GET: 200 after 3 attempts
}

// Give one call settings of its own: here no retries at all, for a call
// whose caller retries by itself.
func ExampleWithCallOptions() {
	srv := httptest.NewServer(iotapitest.MustLookup("dt", "503"))
	defer srv.Close()
	client := iotapi.NewClient(srv.Client(), dt.Vendor) // 3 retries by default

	ctx := iotapi.WithCallOptions(context.Background(), iotapi.NoRetries())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := client.Do(req)
	var apiErr *iotapi.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, "after", apiErr.Attempts, "attempt")
	}
	// Output: 503 after 1 attempt
}

// A circuit breaker: after five failures in a row the vendor is left
// alone, and calls fail at once, still carrying its last answer.
func ExampleWithCircuitBreaker() {
	srv := httptest.NewServer(iotapitest.MustLookup("dt", "503"))
	defer srv.Close()
	breaker := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Failures: 5})
	client := iotapi.NewClient(srv.Client(), dt.Vendor, iotapi.WithCircuitBreaker(breaker), iotapi.WithMaxRetries(0))
	for i := 1; i <= 6; i++ {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		_, err := client.Do(req)
		var last *iotapi.APIError
		errors.As(err, &last)
		fmt.Println(i, errors.Is(err, iotapi.ErrCircuitOpen), last.StatusCode)
	}
	// Output:
	// 1 false 503
	// 2 false 503
	// 3 false 503
	// 4 false 503
	// 5 false 503
	// 6 true 503
}
