package iotapi_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/tellus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewReport_APIError(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(echoing(iotapitest.MustLookup("tellus", "9001_internal_error")))))
	c, _ := newClient(tellus.Vendor, iotapi.WithMaxRetries(2))
	before := time.Now()
	_, err := c.Do(secretRequest(t, http.MethodGet, srv.URL))
	require.Error(t, err)

	r, ok := iotapi.NewReport(err)
	require.True(t, ok)
	assert.Equal(t, "tellus", r.Vendor)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.True(t, strings.HasPrefix(r.URL, srv.URL+"/v1/things?access_token=REDACTED"), r.URL)
	assert.Equal(t, 3, r.Attempts)
	assert.Equal(t, 500, r.StatusCode)
	assert.Equal(t, tellus.CodeInternalError, r.Code)
	assert.Equal(t, "tls-req-9001", r.RequestID)
	assert.False(t, r.Start.Before(before.Add(-time.Second)))
	assert.False(t, r.End.Before(r.Start))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Contains(t, r.Body, `"code": 9001`)
	assert.True(t, strings.HasPrefix(r.Library, "github.com/iotapi/iotapi "))

	text := r.String()
	for _, want := range []string{"Vendor:     tellus", "Request:    GET " + srv.URL + "/v1/things?", "Attempts:   3",
		"Status:     500 Internal Server Error", "Request ID: tls-req-9001", "Response headers:", "  X-Request-Id: tls-req-9001",
		"Response body:", "Time:       "} {
		assert.Contains(t, text, want)
	}
	js, err := json.Marshal(r)
	require.NoError(t, err)
	for _, s := range []string{text, string(js)} {
		assertNoPlanted(t, "the report", s)
	}
}

func TestNewReport_RequestError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	c, _ := newClient(dt.Vendor, iotapi.WithMaxRetries(1))
	_, err := c.Do(secretRequest(t, http.MethodGet, base))
	r, ok := iotapi.NewReport(err)
	require.True(t, ok)
	assert.Equal(t, 2, r.Attempts)
	assert.Zero(t, r.StatusCode)
	assert.Contains(t, r.Error, "connection refused")
	assertNoPlanted(t, "the report", r.String())
}

func TestNewReport_FromCheckResponse(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.Respond(iotapitest.MustLookup("dt", "409")))))
	resp, err := http.Get(srv.URL + "/v2/projects/p1/devices?api_key=k-PLANTED")
	require.NoError(t, err)
	defer resp.Body.Close()
	r, ok := iotapi.NewReport(dt.CheckResponse(resp))
	require.True(t, ok)
	assert.Equal(t, "GET", r.Method)
	assert.Equal(t, srv.URL+"/v2/projects/p1/devices?api_key=REDACTED", r.URL)
	assert.False(t, r.End.IsZero())
	assert.NotContains(t, r.String(), "k-PLANTED")
}

func TestNewReport_OtherErrors(t *testing.T) {
	_, ok := iotapi.NewReport(errors.New("x"))
	assert.False(t, ok)
	_, ok = iotapi.NewReport(nil)
	assert.False(t, ok)
}

func TestVersion(t *testing.T) {
	// A test binary of this repository is built from the module itself.
	// Before Go 1.24 a test binary records no main module at all
	// (go.dev/issue/33976). A program that requires a tagged version
	// reports that version: scripts/release-check asserts it.
	want := "(devel)"
	if info, ok := debug.ReadBuildInfo(); !ok || info.Main.Path == "" {
		want = "(unknown)"
	}
	assert.Equal(t, want, iotapi.Version())
}

// FuzzReport: whatever the vendor and the caller put in a report's fields,
// its text is one line per field, each starting with its label, every
// header on a line of its own and every body line indented, and no line
// carries a control character a terminal would obey.
func FuzzReport(f *testing.F) {
	f.Add("Token expired", "req-1", "2002", "body", "v")
	f.Add("x\nStatus: 200 OK\n", "\x1b[2J\x1b[31mred", "\r\n", "line\n\x1b]0;title\x07", "a\nb")
	f.Add("\xff\xfe", "\u202e", "", "", "")
	f.Fuzz(func(t *testing.T, message, requestID, code, body, header string) {
		r := &iotapi.Report{Library: "iotapi", Vendor: "dt", Method: "GET", URL: "https://vendor.test/x", Attempts: 1,
			StatusCode: 500, Kind: "server error", Code: code, Type: header, Message: message, RequestID: requestID,
			Header: http.Header{"X-Fuzz": {header}}, Body: body, Error: message}
		labels := []string{"Library:", "Vendor:", "Request:", "Time:", "Attempts:", "Status:", "Kind:", "Code:", "Type:",
			"Message:", "Request ID:", "Error:"}
		section := "fields"
		for _, line := range strings.Split(strings.TrimSuffix(r.String(), "\n"), "\n") {
			for _, c := range line {
				if c != '\t' && unicode.IsControl(c) {
					t.Fatalf("a control character %q in %q", c, line)
				}
			}
			switch {
			case line == "":
			case line == "Response headers:":
				section = "headers"
			case line == "Response body:":
				section = "body"
			case section == "fields":
				ok := false
				for _, l := range labels {
					ok = ok || strings.HasPrefix(line, l)
				}
				if !ok {
					t.Fatalf("a line that is no field: %q", line)
				}
			case section == "headers" && !strings.HasPrefix(line, "  X-Fuzz: "):
				t.Fatalf("a header line that is no header: %q", line)
			case section == "body" && !strings.HasPrefix(line, "  "):
				t.Fatalf("a body line not indented: %q", line)
			}
		}
	})
}
