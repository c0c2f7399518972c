package iotapitest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/iotapitest"
)

// A test of code that calls DT, when DT answers 504 once: the client
// plans DT's documented 10-second wait, records it instead of sleeping,
// and the test runs in milliseconds.
func ExampleWaits() {
	plan := iotapitest.NewPlan(
		iotapitest.Times(1, iotapitest.Respond(iotapitest.MustLookup("dt", "504"))),
		iotapitest.Always(iotapitest.OK(`{"devices":[]}`)),
	)
	srv := httptest.NewServer(plan)
	defer srv.Close()

	var waits iotapitest.Waits
	client := iotapi.NewClient(srv.Client(), dt.Vendor, waits.Record())

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/projects/p1/devices", nil)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "after", plan.Calls(), "calls; planned waits:", waits.Planned())
	// Output: 200 after 2 calls; planned waits: [10s]
}

// A plan scripts a vendor call by call: here DT fails twice, then
// succeeds, and the client's retries get through.
func ExampleNewPlan() {
	plan := iotapitest.NewPlan(
		iotapitest.Times(2, iotapitest.Respond(iotapitest.MustLookup("dt", "503"))),
		iotapitest.Always(iotapitest.OK(`{"devices":[]}`)),
	)
	srv := httptest.NewServer(plan)
	defer srv.Close()

	var waits iotapitest.Waits
	client := iotapi.NewClient(srv.Client(), dt.Vendor, waits.Record())
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "after", plan.Calls(), "calls,", len(waits.Planned()), "waits")
	// Output: 200 after 3 calls, 2 waits
}

// The canned responses are the vendors' documented error bodies; a
// vendor server serves each at /errors/NAME.
func ExampleMustLookup() {
	resp := iotapitest.MustLookup("tellus", "2002_token_expired")
	fmt.Println(resp.Status, string(resp.Body))
	// Output:
	// 401 {
	//   "code": 2002,
	//   "message": "Token expired"
	// }
}

// Fake a vendor's token endpoint and an API behind it: the client fetches
// a token, and refreshes it once when the vendor revokes it.
func ExampleTokenEndpoint() {
	te := iotapitest.NewTokenEndpoint("endpointmgr")
	tokens := httptest.NewServer(te)
	defer tokens.Close()
	api := httptest.NewServer(te.Protect(iotapitest.JSON(http.StatusOK, `{"endpoints":[]}`)))
	defer api.Close()

	client := iotapi.NewClient(api.Client(), endpointmgr.Vendor, iotapi.WithTokenSource(
		endpointmgr.ApplicationToken(context.Background(), nil, tokens.URL, "app-token-1")))
	for i := 0; i < 3; i++ {
		if i == 2 {
			te.Expire()
		}
		req, _ := http.NewRequest(http.MethodGet, api.URL+"/api/v1/endpoint", nil)
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}
	fmt.Println("3 calls,", te.Issued(), "tokens issued")
	// Output: 3 calls, 2 tokens issued
}
