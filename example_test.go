package iotapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/tellus"
)

// Branch on the normalized kind with errors.Is, whatever the vendor.
func ExampleKind() {
	srv := httptest.NewServer(iotapitest.MustLookup("endpointmgr", "1103_tokenexpired"))
	defer srv.Close()

	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	err = endpointmgr.CheckResponse(resp)
	switch {
	case errors.Is(err, iotapi.TokenExpired):
		fmt.Println("refresh the token, then retry")
	case errors.Is(err, iotapi.Unauthenticated):
		fmt.Println("check the credentials")
	}
	fmt.Println(errors.Is(err, iotapi.Unauthenticated))
	// Output:
	// refresh the token, then retry
	// true
}

// Read the vendor's own fields with errors.As.
func ExampleAPIError() {
	srv := httptest.NewServer(iotapitest.MustLookup("endpointmgr", "doc_example_1400_nested"))
	defer srv.Close()

	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	var apiErr *iotapi.APIError
	if errors.As(endpointmgr.CheckResponse(resp), &apiErr) {
		fmt.Println(apiErr)
		for _, d := range apiErr.Details {
			fmt.Printf("  %s %s: %s\n", d.Code, d.Type, d.Message)
		}
	}
	// Output:
	// endpointmgr: 422 input validation failed (code 1400)
	//   1403 InvalidFormat: User - Username has invalid format: expecting String.
	//   1402 Required: User - organisation is required.
}

// IsRetryable answers for vendor errors and network errors alike.
func ExampleIsRetryable() {
	fmt.Println(iotapi.IsRetryable(&iotapi.APIError{StatusCode: 503, Retryable: true}))
	fmt.Println(iotapi.IsRetryable(&iotapi.APIError{StatusCode: 404}))
	// Output:
	// true
	// false
}

// A Client retries by the vendor's documented rules and returns failures as
// *APIError.
func ExampleNewClient() {
	// A DT endpoint that is unavailable once, then answers.
	srv := httptest.NewServer(iotapitest.NewPlan(
		iotapitest.Times(1, iotapitest.Respond(iotapitest.MustLookup("dt", "503"))),
		iotapitest.Always(iotapitest.OK(`{"devices":[]}`)),
	))
	defer srv.Close()

	client := iotapi.NewClient(&http.Client{Timeout: 30 * time.Second}, dt.Vendor,
		iotapi.WithMaxRetries(3),
		iotapi.WithBackoff(100*time.Millisecond, 200*time.Millisecond), // DT's 1 s floor after a 503 still holds
		iotapi.WithOnRetry(func(ev iotapi.RetryEvent) {
			fmt.Printf("attempt %d: %v; waiting %v\n", ev.Attempt, ev.Err, ev.Wait)
		}))

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/projects/p1/devices", nil)
	resp, err := client.Do(req)
	var apiErr *iotapi.APIError
	switch {
	case errors.As(err, &apiErr):
		fmt.Println("vendor error:", apiErr.Kind, apiErr.RequestID)
	case err != nil:
		fmt.Println("no response:", err)
	default:
		defer resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// attempt 1: dt: 503 service unavailable (code 503); waiting 1s
	// 200
}

// A Transport slots retries into any http.Client and returns the final
// response as is; decoding it is the caller's step.
func ExampleNewTransport() {
	srv := httptest.NewServer(iotapitest.NewPlan(iotapitest.Always(
		iotapitest.Respond(iotapitest.MustLookup("tellus", "3001_not_found")))))
	defer srv.Close()

	hc := &http.Client{Transport: iotapi.NewTransport(http.DefaultTransport, tellus.Vendor)}
	resp, err := hc.Get(srv.URL + "/v1/operator/stations/TP-404")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.StatusCode, tellus.CheckResponse(resp))
	// Output:
	// 404 tellus: 404 resource not found (code 3001)
}
