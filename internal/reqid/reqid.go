// Package reqid finds a vendor's request id among response headers.
package reqid

import "net/http"

// Headers are the response headers that carry a request id, most specific
// first. Each is in canonical form.
var Headers = []string{
	"X-Request-Id",
	"Request-Id",
	"X-Amzn-Requestid",
	"X-Amz-Request-Id",
	"X-Amz-Apigw-Id",
	"X-Ms-Request-Id",
	"X-Correlation-Id",
	"Correlation-Id",
	"X-Trace-Id",
}

// FromHeader returns the first non-empty request id in h, or "".
func FromHeader(h http.Header) string {
	for _, name := range Headers {
		if v := h.Get(name); v != "" {
			return v
		}
	}
	return ""
}
