package dt_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
)

func ExampleCheckResponse() {
	srv := httptest.NewServer(iotapitest.MustLookup("dt", "409"))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	err = dt.CheckResponse(resp)
	var apiErr *iotapi.APIError
	if errors.Is(err, iotapi.Conflict) && errors.As(err, &apiErr) {
		fmt.Println(apiErr)
		fmt.Println("see", apiErr.DocURL)
	}
	// Output:
	// dt: 409 already exists (code 409)
	// see https://docs.d21s.com/error/#409
}

func ExampleCheckPartial() {
	// A batch update that went through for some devices only: HTTP 200.
	srv := httptest.NewServer(iotapitest.MustLookup("dt", "200_transfer_partial"))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", nil)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	fmt.Println(dt.CheckResponse(resp)) // the call itself succeeded
	var partial *iotapi.PartialError
	if errors.As(dt.CheckPartial(resp), &partial) {
		for _, f := range partial.Failures {
			fmt.Println(f.Field, f.Code)
		}
	}
	// Output:
	// <nil>
	// projects/source/devices/d3 NOT_FOUND
}
