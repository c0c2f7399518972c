// Command quickstart shows iotapi against an in-process simulator of the
// five vendors: no network, no keys. It calls each simulated vendor, gets
// its documented error bodies back, and prints them normalized into
// iotapi.APIError; then it runs scripted failures through the retry client,
// printing each retry as it happens, shows the circuit breaker opening and
// closing, and prints the support report of a failed call.
//
//	go run ./examples/quickstart
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/telemax"
	"github.com/iotapi/iotapi/tellus"
	"github.com/iotapi/iotapi/tiot"
)

func main() {
	err := run(os.Stdout)
	for _, next := range []func(io.Writer) error{runRetries, runBreaker, runReport} {
		if err == nil {
			fmt.Println()
			err = next(os.Stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// calls are the simulated failures shown: canned responses by vendor.
var calls = []struct {
	vendor iotapi.Vendor
	names  []string
}{
	{tellus.Vendor, []string{"2002_token_expired", "1002_missing_parameter", "5001_too_many_requests"}},
	{telemax.Vendor, []string{"token_expired", "v1_token_expired_no_request_id", "too_many_requests"}},
	{tiot.Vendor, []string{"400_missing_or_malformed", "429_too_many_requests", "500_internal_server_error", "html_500"}},
	{dt.Vendor, []string{"409", "501", "504"}},
	{endpointmgr.Vendor, []string{"doc_example_1400_nested", "doc_example_2101_description", "doc_example_1406_trailing_comma", "gateway_401"}},
}

func run(out io.Writer) error {
	fmt.Fprintln(out, "Vendor errors, normalized into iotapi.APIError:")
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VENDOR\tSTATUS\tKIND\tCODE\tRETRY\tMESSAGE\tDETAILS\tREQUEST ID")
	for _, c := range calls {
		srv := iotapitest.NewVendorServer(c.vendor.Name())
		for _, name := range c.names {
			e, err := call(c.vendor, srv.URL+"/errors/"+name)
			if err != nil {
				srv.Close()
				return err
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%s\n", e.Vendor, e.StatusCode, e.Kind, dash(e.Code),
				retry(e), clip(e.Message, 48), len(e.Details), dash(e.RequestID))
		}
		srv.Close()
	}
	return tw.Flush()
}

// call sends a GET and returns the vendor's error, decoded.
func call(v iotapi.Vendor, url string) (*iotapi.APIError, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	e, ok := v.CheckResponse(resp).(*iotapi.APIError)
	if !ok {
		return nil, fmt.Errorf("%s: want an *iotapi.APIError for %s", v.Name(), url)
	}
	return e, nil
}

func retry(e *iotapi.APIError) string {
	switch {
	case !e.Retryable:
		return "no"
	case e.RetryAfter > 0:
		return "after " + e.RetryAfter.String()
	}
	return "yes"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return dash(s)
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
