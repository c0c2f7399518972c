package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	rows := map[string]bool{}
	for _, line := range strings.Split(out.String(), "\n") {
		rows[strings.Join(strings.Fields(line), " ")] = true
	}
	for _, want := range []string{
		"tellus 401 token expired 2002 no Token expired 0 tls-req-2002",
		"tiot 429 rate limited - after 1h0m0s Try a new request after 1 hour. 0 -",
		"dt 501 method not allowed 501 no method not allowed 0 -",
		"endpointmgr 422 invalid request 1400 no Input validation failed 2 -",
		"endpointmgr 401 unauthenticated - no Unauthorized 0 7a3c9f2e-1b2d-4c5e-8f90-123456789abc",
	} {
		assert.Truef(t, rows[want], "missing row %q in:\n%s", want, out.String())
	}
}

func TestRunRetries(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, runRetries(&out))
	got := out.String()
	for _, want := range []string{
		"attempt 1: tellus: 500 internal server error (code 9001); retrying in",
		"attempt 2: tellus: 500 internal server error (code 9001); retrying in",
		"200 after 3 calls to the vendor",
		"attempt 1: tellus: 429 too many requests (code 5001); retrying in 1s",
		"200 after 2 calls to the vendor",
		"error: tiot: 429 try a new request after 1 hour: not retried: the server asked to wait longer",
		"the caller can schedule the call for 1h0m0s from now",
		"error: endpointmgr: 404 endpoint with id 7 not found (code 1201)",
	} {
		assert.Contains(t, got, want)
	}
	assert.Equal(t, 3, strings.Count(got, "retrying in"), "two retries after 500s, one after the 429, none for the rest")
}

func TestRunReport(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, runReport(&out))
	got := out.String()
	for _, want := range []string{"Vendor:     tellus", "access_token=REDACTED", "Attempts:   3", "Status:     500 Internal Server Error",
		"Request ID: tls-req-9001", "Response headers:", "Response body:", `"code": 9001`} {
		assert.Contains(t, got, want)
	}
	assert.NotContains(t, got, "not-for-support")
}

func TestRunBreaker(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, runBreaker(&out))
	got := out.String()
	for _, want := range []string{
		"call 5: sent (breaker open)",
		"call 6: failed at once",
		"DT saw 5 requests for 8 calls",
		"a probe succeeded, breaker closed",
	} {
		assert.Contains(t, got, want)
	}
}
