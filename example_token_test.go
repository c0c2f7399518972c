package iotapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/tellus"
)

// Tokens refresh themselves: here the first token has expired on the
// vendor's side, so the client fetches another and replays the call once.
func ExampleWithTokenSource() {
	var issued int
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		issued++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"token-%d","token_type":"Bearer","expires_in":86400}`, issued)
	}))
	defer tokenSrv.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("API got", r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") == "Bearer token-1" {
			iotapitest.MustLookup("tellus", "2002_token_expired").ServeHTTP(w, r)
			return
		}
		fmt.Fprint(w, `{"code":0,"message":"success","data":{}}`)
	}))
	defer api.Close()

	client := iotapi.NewClient(&http.Client{}, tellus.Vendor,
		iotapi.WithTokenSource(tellus.ClientCredentials(context.Background(), tokenSrv.URL, "my-client-id", "my-client-secret")))
	req, _ := http.NewRequest(http.MethodGet, api.URL+"/v1/operator/stations", nil)
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "after", issued, "token fetches")
	// Output:
	// API got Bearer token-1
	// API got Bearer token-2
	// 200 after 2 token fetches
}

// Pace calls within a vendor's documented limit: every attempt, retries
// included, waits for the limiter. Share one limiter per vendor account.
func ExampleWithRateLimit() {
	srv := httptest.NewServer(iotapitest.NewPlan())
	defer srv.Close()

	limiter := dt.RateLimit.NewLimiter() // 75 requests per 10 s
	client := iotapi.NewClient(&http.Client{}, dt.Vendor, iotapi.WithRateLimit(limiter))
	for i := 0; i < 75; i++ { // a burst of the whole quota goes at once
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	st := limiter.Stats()
	fmt.Println(st.Granted, "calls,", st.Delayed, "waited")

	// The 76th may go 10.1 s after the first: too late for this deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := client.Do(req)
	fmt.Println(errors.Is(err, context.DeadlineExceeded))

	// Or start from the documented rate and let 429s slow it down.
	adaptive := iotapi.NewAdaptiveLimiter(dt.RateLimit)
	adaptive.Throttled()
	fmt.Printf("after a 429: %.2f requests/s\n", adaptive.Rate())
	// Output:
	// 75 calls, 0 waited
	// true
	// after a 429: 3.75 requests/s
}

// Turn any error from the library into the bundle vendors' support asks
// for: the request without secrets, the time range, the full response.
func ExampleNewReport() {
	srv := httptest.NewServer(iotapitest.NewPlan(iotapitest.Always(
		iotapitest.Respond(iotapitest.MustLookup("tellus", "9001_internal_error")))))
	defer srv.Close()

	client := iotapi.NewClient(&http.Client{}, tellus.Vendor, iotapi.WithMaxRetries(0))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/operator/stations?access_token=secret", strings.NewReader(`{}`))
	_, err := client.Do(req)

	var apiErr *iotapi.APIError
	if errors.As(err, &apiErr) {
		report, _ := iotapi.NewReport(err)
		fmt.Println(report.Method, strings.TrimPrefix(report.URL, srv.URL))
		fmt.Println(report.StatusCode, report.Code, report.RequestID, report.Attempts)
		// fmt.Print(report) gives the whole text, headers and body included.
	}
	// Output:
	// POST /v1/operator/stations?access_token=REDACTED
	// 500 9001 tls-req-9001 1
}
