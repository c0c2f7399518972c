// Package reqid finds a vendor's request id among response headers.
package reqid

import (
	"net/http"
	"strings"
)

// A List is the response headers a request id may come in, most specific
// first. Find reads it in one pass over the response's headers.
type List struct {
	names []string       // canonical header names, most specific first
	rank  map[string]int // index in names
}

// NewList returns a List of the given headers, most specific first. Names
// are canonicalized; a name given twice keeps its first place.
func NewList(names ...string) *List {
	l := &List{rank: make(map[string]int, len(names))}
	for _, n := range names {
		n = http.CanonicalHeaderKey(n)
		if _, dup := l.rank[n]; !dup {
			l.rank[n] = len(l.names)
			l.names = append(l.names, n)
		}
	}
	return l
}

// Then returns a List of l's headers followed by more's.
func (l *List) Then(more *List) *List {
	return NewList(append(append([]string(nil), l.names...), more.names...)...)
}

// Names returns the list's headers, most specific first.
func (l *List) Names() []string { return append([]string(nil), l.names...) }

// Default is the headers gateways and frameworks commonly answer with, most
// specific first: request ids, then correlation ids, then trace ids. A
// Traceparent or Traceresponse (W3C Trace Context) gives its trace-id part,
// an X-Amzn-Trace-Id its Root.
var Default = NewList(
	"X-Request-Id",
	"Request-Id",
	"X-Amzn-Requestid",
	"X-Amz-Request-Id",
	"X-Amz-Apigw-Id",
	"X-Ms-Request-Id",
	"X-Kong-Request-Id",
	"X-Correlation-Id",
	"Correlation-Id",
	"X-Trace-Id",
	"X-Amzn-Trace-Id",
	"Traceresponse",
	"Traceparent",
)

// FromHeader returns the request id Default finds in h, or "".
func FromHeader(h http.Header) string { return Default.Find(h) }

// Find returns the id in the first of l's headers that h has with a usable
// value (a non-empty one; for a trace header, a well-formed one), or "".
// Like http.Header.Get, it reads a header's first value and expects h's
// keys in canonical form, as net/http leaves them.
func (l *List) Find(h http.Header) string {
	if len(h) < len(l.names) {
		best, id := len(l.names), ""
		for name, vs := range h {
			r, ok := l.rank[name]
			if !ok || r >= best || len(vs) == 0 {
				continue
			}
			if v := value(name, vs[0]); v != "" {
				best, id = r, v
			}
		}
		return id
	}
	for _, name := range l.names {
		if vs := h[name]; len(vs) > 0 {
			if v := value(name, vs[0]); v != "" {
				return v
			}
		}
	}
	return ""
}

// value is the request id a header's value gives.
func value(name, v string) string {
	switch name {
	case "Traceparent", "Traceresponse":
		return TraceID(v)
	case "X-Amzn-Trace-Id":
		return amznRoot(v)
	}
	return v
}

// TraceID returns the trace-id of a W3C Trace Context traceparent (or
// traceresponse) value, "00-<32 hex trace-id>-<16 hex parent-id>-<2 hex
// flags>", or "" when the value is not one: a trace-id of other than 32
// lowercase hex digits, or all zeros, or the invalid version ff. Later
// versions may append fields, as the specification allows.
func TraceID(v string) string {
	v = strings.TrimSpace(v)
	if len(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' || (len(v) > 55 && v[55] != '-') {
		return ""
	}
	version, id, parent, flags := v[:2], v[3:35], v[36:52], v[53:55]
	if version == "ff" || (version == "00" && len(v) != 55) ||
		!lowerHex(version) || !lowerHex(id) || !lowerHex(parent) || !lowerHex(flags) ||
		strings.Trim(id, "0") == "" || strings.Trim(parent, "0") == "" {
		return ""
	}
	return id
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// amznRoot returns the Root of an AWS X-Ray trace header
// ("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=…;Sampled=1"), or "".
func amznRoot(v string) string {
	for _, part := range strings.Split(v, ";") {
		if k, val, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == "Root" {
			return val
		}
	}
	return ""
}
