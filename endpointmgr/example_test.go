package endpointmgr_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/iotapitest"
)

func ExampleCheckResponse() {
	srv := httptest.NewServer(iotapitest.MustLookup("endpointmgr", "doc_example_2101_description"))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	var apiErr *iotapi.APIError
	if errors.As(endpointmgr.CheckResponse(resp), &apiErr) {
		fmt.Println(apiErr.Kind, apiErr.Code, apiErr.Type, endpointmgr.Resource(apiErr.Code))
		fmt.Println(apiErr.Message)
	}
	// Output:
	// conflict 2101 UnableToActivate Endpoint
	// Unable to activate: No SIM.
}
