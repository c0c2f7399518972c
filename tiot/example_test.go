package tiot_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/tiot"
)

func ExampleCheckResponse() {
	srv := httptest.NewServer(iotapitest.MustLookup("tiot", "400_missing_or_malformed"))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	var apiErr *iotapi.APIError
	if errors.As(tiot.CheckResponse(resp), &apiErr) && apiErr.Kind == iotapi.InvalidRequest {
		fmt.Println(apiErr.Type)
		for _, d := range apiErr.Details {
			fmt.Printf("  %s: %s\n", d.Field, d.Message)
		}
	}
	// Output:
	// Missing or malformed parameter
	//   imsi: must not be empty
	//   status: must be one of ACTIVE, SUSPENDED
}

func ExampleMaybeClientError() {
	srv := httptest.NewServer(iotapitest.MustLookup("tiot", "500_internal_server_error"))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	err = tiot.CheckResponse(resp)
	if tiot.MaybeClientError(err) {
		fmt.Println("check the request and credentials too:", err)
	}
	// Output:
	// check the request and credentials too: tiot: 500 backend platform timeout (may be caused by the request or credentials)
}

func ExampleEmptyOKAsError() {
	srv := httptest.NewServer(iotapitest.MustLookup("tiot", "empty_200"))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	strict := tiot.NewVendor(tiot.EmptyOKAsError())
	err = strict.CheckResponse(resp)
	fmt.Println(errors.Is(err, iotapi.InvalidRequest))
	// Output:
	// true
}

func ExampleCheckPartial() {
	srv := httptest.NewServer(iotapitest.MustLookup("tiot", "200_multi_item_partial"))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	err = tiot.CheckPartial(resp)
	var partial *iotapi.PartialError
	if errors.As(err, &partial) {
		fmt.Println(err)
		for _, f := range partial.Failures {
			fmt.Printf("  %s: %s\n", f.Field, f.Type)
		}
	}
	// The body is still there for the items that went through.
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(len(body) > 0)
	// Output:
	// tiot: 200 with 2 failed items: JASPER-8997000000000000746: no connectivity product with this id (code 404)
	//   JASPER-8997000000000000746: Not Found
	//   JASPER-8997000000000000747: Invalid Action
	// true
}
