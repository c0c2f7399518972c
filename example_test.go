package iotapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/iotapitest"
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
