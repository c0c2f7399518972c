package iotapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/iotapi/iotapi/internal/clock"
	"github.com/iotapi/iotapi/internal/httpbody"
	"github.com/iotapi/iotapi/internal/jsonx"
	"github.com/iotapi/iotapi/internal/redact"
	"github.com/iotapi/iotapi/internal/reqid"
	"github.com/iotapi/iotapi/internal/retryafter"
)

// BodyLimit is the most bytes of an error body read into an [APIError]:
// 1 MiB. The rest stays in the response for the caller.
const BodyLimit = httpbody.Limit

// now is the clock for Retry-After dates; tests replace it. Vendor
// decoders that read a wait from the body use it too, through clock.Now.
var now = time.Now

func init() { clock.Now = func() time.Time { return now() } }

// NewAPIError builds the *APIError a response implies on its own, before
// any vendor-specific decoding: Kind, Retryable and Fault from the status,
// RetryAfter from Retry-After, RequestID from the usual request-id headers,
// the headers with secrets redacted, and at most [BodyLimit] bytes of the
// body (decompressed if gzip-encoded). A body that is not JSON becomes the
// Message (a page's title, or the text's first line). The response body is
// put back: the caller can still read every byte of it.
//
// Vendor decoders start from it; it is exported for vendors this library
// does not ship. A nil response gives an *APIError with status 0 and Kind
// Unknown that says so.
func NewAPIError(vendor string, resp *http.Response) *APIError {
	if resp == nil {
		return &APIError{Vendor: vendor, Message: errNilResponse.Error()}
	}
	e := &APIError{
		Vendor:     vendor,
		StatusCode: resp.StatusCode,
		Kind:       KindForStatus(resp.StatusCode),
		Retryable:  RetryableStatus(resp.StatusCode),
		Fault:      FaultForStatus(resp.StatusCode),
		Header:     redact.Header(resp.Header),
		RequestID:  reqid.FromHeader(resp.Header),
	}
	t := now()
	if d, ok := retryafter.Header(resp.Header, t); ok {
		e.RetryAfter = d
	}
	e.req.end = t
	if r := resp.Request; r != nil {
		e.req.method, e.req.url = r.Method, redact.URL(r.URL)
	}
	raw := httpbody.Capture(resp, BodyLimit)
	e.Body = httpbody.Decoded(resp.Header, raw, BodyLimit)
	if len(e.Body) > 0 && !jsonx.LooksLikeJSON(e.Body) {
		e.Message = bodyMessage(e.Body)
	}
	return e
}

// bodyMessage summarizes a body that is not a JSON object or array: a JSON
// string is its text; null, a number or a boolean says nothing; anything
// else is text or HTML.
func bodyMessage(body []byte) string {
	if json.Valid(body) {
		var s jsonx.Text
		if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '"' {
			_ = s.UnmarshalJSON(b)
		}
		return oneLine(string(s), maxMessage)
	}
	return textMessage(body)
}
