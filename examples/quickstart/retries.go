package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/tellus"
	"github.com/iotapi/iotapi/tiot"
)

// scenario is one scripted vendor and the call made to it.
type scenario struct {
	title  string
	vendor iotapi.Vendor
	plan   *iotapitest.Plan
	path   string
}

func respond(vendor, name string) iotapitest.Action {
	return iotapitest.Respond(iotapitest.MustLookup(vendor, name))
}

func scenarios() []scenario {
	return []scenario{
		{"fails twice, then succeeds", tellus.Vendor, iotapitest.NewPlan(
			iotapitest.Times(2, respond("tellus", "9001_internal_error")),
			iotapitest.Always(iotapitest.OK(`{"code":0,"message":"success","data":{"sn":"TP-001"}}`)),
		), "/v1/operator/stations/TP-001"},
		{"Retry-After honored", tellus.Vendor, iotapitest.NewPlan(
			iotapitest.Times(1, iotapitest.Respond(iotapitest.JSON(429, `{"code":5001,"message":"Too many requests"}`).WithHeader("Retry-After", "1"))),
			iotapitest.Always(iotapitest.OK(`{"code":0,"message":"success","data":[]}`)),
		), "/v1/operator/stations"},
		{"long Retry-After surfaced, not slept", tiot.Vendor, iotapitest.NewPlan(
			iotapitest.Always(respond("tiot", "429_too_many_requests")),
		), "/v1/sims"},
		{"permanent error returned at once", endpointmgr.Vendor, iotapitest.NewPlan(
			iotapitest.Always(respond("endpointmgr", "1201_notfound")),
		), "/api/v1/endpoint/7"},
	}
}

// runRetries calls each scripted vendor through an iotapi.Client and prints
// each retry as it happens, then the outcome.
func runRetries(out io.Writer) error {
	fmt.Fprintln(out, "Retries, as they happen:")
	for _, s := range scenarios() {
		if err := runScenario(out, s); err != nil {
			return err
		}
	}
	return nil
}

func runScenario(out io.Writer, s scenario) error {
	srv := httptest.NewServer(s.plan)
	defer srv.Close()

	start := time.Now()
	stamp := func() string { return fmt.Sprintf("[%5.2fs]", time.Since(start).Seconds()) }
	fmt.Fprintf(out, "\n%s: %s\n", s.vendor.Name(), s.title)
	client := iotapi.NewClient(&http.Client{Timeout: 30 * time.Second}, s.vendor,
		iotapi.WithBackoff(100*time.Millisecond, time.Second),
		iotapi.WithOnRetry(func(ev iotapi.RetryEvent) {
			fmt.Fprintf(out, "  %s attempt %d: %v; retrying in %v\n", stamp(), ev.Attempt, ev.Err, ev.Wait.Round(time.Millisecond))
		}))

	req, err := http.NewRequest(http.MethodGet, srv.URL+s.path, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	var apiErr *iotapi.APIError
	switch {
	case err == nil:
		resp.Body.Close()
		fmt.Fprintf(out, "  %s %d after %d calls to the vendor\n", stamp(), resp.StatusCode, s.plan.Calls())
	case errors.As(err, &apiErr):
		fmt.Fprintf(out, "  %s error: %v\n", stamp(), err)
		if apiErr.RetryAfter > 0 && errors.Is(err, iotapi.ErrRetryAfterTooLong) {
			fmt.Fprintf(out, "  %s the caller can schedule the call for %v from now\n", stamp(), apiErr.RetryAfter)
		}
	default:
		return err
	}
	return nil
}

// runReport shows the support bundle for a failed call: what a vendor's
// support team asks for, with credentials redacted.
func runReport(out io.Writer) error {
	srv := httptest.NewServer(iotapitest.NewPlan(iotapitest.Always(respond("tellus", "9001_internal_error"))))
	defer srv.Close()
	client := iotapi.NewClient(&http.Client{Timeout: 30 * time.Second}, tellus.Vendor,
		iotapi.WithBackoff(50*time.Millisecond, 100*time.Millisecond), iotapi.WithMaxRetries(2))
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/operator/stations/TP-001?access_token=not-for-support", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer also-not-for-support")
	_, err = client.Do(req)
	report, ok := iotapi.NewReport(err)
	if !ok {
		return fmt.Errorf("want an iotapi error, got %v", err)
	}
	fmt.Fprintln(out, "Support report for a persistent Tellus 9001, ready to paste into a ticket:")
	fmt.Fprintln(out)
	fmt.Fprint(out, report)
	return nil
}
