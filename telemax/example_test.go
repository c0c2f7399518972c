package telemax_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/telemax"
)

func ExampleCheckResponse() {
	srv := httptest.NewServer(iotapitest.MustLookup("telemax", "too_many_requests"))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	var apiErr *iotapi.APIError
	if err := telemax.CheckResponse(resp); errors.As(err, &apiErr) && errors.Is(err, iotapi.RateLimited) {
		fmt.Println(apiErr.Code, "- wait", apiErr.RetryAfter, "- request", apiErr.RequestID)
		fmt.Println(apiErr.DocURL)
	}
	// Output:
	// TOO_MANY_REQUESTS - wait 7s - request 0HNLTALNU4DD8:00000006
	// https://docs.telemax.com.au/errors#rate-limit
}
