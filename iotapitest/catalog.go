package iotapitest

//go:generate go run ../internal/catalog/gencatalog

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
)

// Response is a canned vendor response: status, headers and body.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Lookup returns a vendor's canned response by name: one for each code in
// the vendor's document and each example body in it ("2002_token_expired",
// "doc_example_1400_nested"), and messy variants real services send
// ("html_gateway_502", "truncated_json_500"). [Names] lists them.
func Lookup(vendor, name string) (Response, bool) {
	r, ok := catalog[vendor][name]
	return r, ok
}

// MustLookup is Lookup for names known to exist; it panics on an unknown
// name, which is a mistake in the calling test.
func MustLookup(vendor, name string) Response {
	r, ok := Lookup(vendor, name)
	if !ok {
		panic(fmt.Sprintf("iotapitest: no canned %s response %q", vendor, name))
	}
	return r
}

// Names returns the names of a vendor's canned responses, sorted.
func Names(vendor string) []string {
	names := make([]string, 0, len(catalog[vendor]))
	for n := range catalog[vendor] {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Vendors returns the vendors with canned responses, sorted.
func Vendors() []string {
	vs := make([]string, 0, len(catalog))
	for v := range catalog {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	return vs
}

// ServeHTTP writes the response, so a Response is an http.Handler.
func (r Response) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	for k, vs := range r.Header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set("Content-Length", strconv.Itoa(len(r.Body)))
	w.WriteHeader(r.Status)
	_, _ = w.Write(r.Body)
}

// WithHeader returns a copy of r with a header set, such as a Retry-After.
func (r Response) WithHeader(name, value string) Response {
	r.Header = r.Header.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Set(name, value)
	return r
}

// JSON returns a response with the given status and JSON body.
func JSON(status int, body string) Response {
	return Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
}
