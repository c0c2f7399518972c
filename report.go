package iotapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// ModulePath is this library's module path.
const ModulePath = "github.com/iotapi/iotapi"

// reportBodyLimit bounds the body in a Report.
const reportBodyLimit = 64 << 10

// requestInfo is what a Report needs of the request behind an error.
type requestInfo struct {
	method string
	url    string // redacted
	start  time.Time
	end    time.Time
}

// Report is the redacted, copy-pasteable bundle vendors' support teams ask
// for (Tellus's "Reporting issues": the request's method and URL without
// secrets, the time range, the full response with its headers): build it
// with [NewReport] and print it with String, or encode it as JSON.
type Report struct {
	Library    string      `json:"library"`           // module path and version
	Vendor     string      `json:"vendor"`            // e.g. "tellus"
	Method     string      `json:"method,omitempty"`  // the request's method
	URL        string      `json:"url,omitempty"`     // with credentials redacted
	Start      time.Time   `json:"start"`             // first attempt sent (or the error decoded)
	End        time.Time   `json:"end"`               // last answer received
	Attempts   int         `json:"attempts"`          // attempts made
	StatusCode int         `json:"status,omitempty"`  // the response's status
	Kind       string      `json:"kind,omitempty"`    // normalized category
	Code       string      `json:"code,omitempty"`    // vendor code
	Type       string      `json:"type,omitempty"`    // vendor type
	Message    string      `json:"message,omitempty"` // vendor message
	RequestID  string      `json:"request_id,omitempty"`
	Header     http.Header `json:"header,omitempty"` // all response headers, secrets redacted
	Body       string      `json:"body,omitempty"`   // the response body (at most 64 KiB)
	Error      string      `json:"error"`            // the error's one line
}

// NewReport builds the support bundle for an error from this library: an
// *APIError or a *RequestError anywhere in err's chain. It reports false for
// other errors.
func NewReport(err error) (*Report, bool) {
	var apiErr *APIError
	var reqErr *RequestError
	r := &Report{Library: ModulePath + " " + Version()}
	switch {
	case errors.As(err, &apiErr):
		r.Vendor, r.Attempts, r.StatusCode = apiErr.Vendor, apiErr.Attempts, apiErr.StatusCode
		r.Kind, r.Code, r.Type, r.Message, r.RequestID = apiErr.Kind.String(), apiErr.Code, apiErr.Type, apiErr.Message, apiErr.RequestID
		r.Header = apiErr.Header.Clone()
		r.Body = string(apiErr.Body[:min(len(apiErr.Body), reportBodyLimit)])
		r.Method, r.URL, r.Start, r.End = apiErr.req.method, apiErr.req.url, apiErr.req.start, apiErr.req.end
		r.Error = apiErr.Error()
	case errors.As(err, &reqErr):
		r.Vendor, r.Attempts, r.Method, r.URL = reqErr.Vendor, reqErr.Attempts, reqErr.Method, reqErr.URL
		r.Start, r.End = reqErr.start, reqErr.end
		r.Error = reqErr.Error()
	default:
		return nil, false
	}
	if r.Start.IsZero() {
		r.Start = r.End
	}
	return r, true
}

// String formats the report as plain text for a support ticket. Each
// field is one line of printable text, whatever the vendor or the caller
// put in it (line breaks, terminal escape sequences and invalid UTF-8
// become spaces), so no value can forge a line of its own; the body is
// indented under its heading, its control characters made visible.
func (r *Report) String() string {
	var b strings.Builder
	line := func(k, v string) {
		if v = oneLine(v, reportLineLimit); v != "" {
			fmt.Fprintf(&b, "%-11s %s\n", k+":", v)
		}
	}
	line("Library", r.Library)
	line("Vendor", r.Vendor)
	line("Request", strings.TrimSpace(r.Method+" "+r.URL))
	if !r.End.IsZero() {
		line("Time", r.Start.UTC().Format(time.RFC3339Nano)+" – "+r.End.UTC().Format(time.RFC3339Nano))
	}
	line("Attempts", fmt.Sprint(r.Attempts))
	if r.StatusCode != 0 {
		line("Status", fmt.Sprintf("%d %s", r.StatusCode, http.StatusText(r.StatusCode)))
	}
	line("Kind", r.Kind)
	line("Code", r.Code)
	line("Type", r.Type)
	line("Message", r.Message)
	line("Request ID", r.RequestID)
	line("Error", r.Error)
	if len(r.Header) > 0 {
		b.WriteString("\nResponse headers:\n")
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			for _, v := range r.Header[k] {
				fmt.Fprintf(&b, "  %s: %s\n", oneLine(k, reportLineLimit), oneLine(v, reportLineLimit))
			}
		}
	}
	if r.Body != "" {
		b.WriteString("\nResponse body:\n")
		for _, l := range strings.Split(strings.TrimRight(r.Body, "\n"), "\n") {
			b.WriteString("  ")
			b.WriteString(visible(l))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// reportLineLimit bounds one line of a report.
const reportLineLimit = 2000

// visible returns a line of a body with invalid UTF-8 and every control
// character but tab shown as U+FFFD, so that a terminal prints it and
// obeys nothing in it.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || !unicode.IsControl(r) && r != utf8.RuneError {
			return r
		}
		return unicode.ReplacementChar
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// MarshalJSON keeps the time range in UTC.
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	c := *r
	c.Start, c.End = c.Start.UTC(), c.End.UTC()
	return json.Marshal((*plain)(&c))
}

var version = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	if info.Main.Path == ModulePath {
		return info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == ModulePath {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return "(unknown)"
})

// Version returns this library's version as the program was built with it
// ("v1.2.3", or "(devel)" in a build of this repository itself).
func Version() string { return version() }
