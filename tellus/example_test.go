package tellus_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/tellus"
)

func ExampleCheckResponse() {
	srv := httptest.NewServer(iotapitest.MustLookup("tellus", "2002_token_expired"))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	err = tellus.CheckResponse(resp)
	fmt.Println(err)
	fmt.Println(errors.Is(err, iotapi.TokenExpired), errors.Is(err, iotapi.Unauthenticated))
	// Output:
	// tellus: 401 token expired (code 2002)
	// true true
}

func ExampleDecodeData() {
	// Tellus can report a failure inside an HTTP 200 envelope.
	srv := httptest.NewServer(iotapitest.MustLookup("tellus", "ok_envelope_with_error_code"))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}

	type Station struct{ SN string }
	_, err = tellus.DecodeData[Station](resp)
	var apiErr *iotapi.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Kind, apiErr.Code)
	}
	// Output:
	// 200 permission denied 2003
}
