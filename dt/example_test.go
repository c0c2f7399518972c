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
