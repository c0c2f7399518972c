package envelope

import (
	"fmt"
	"net/http"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/httpbody"
	"github.com/iotapi/iotapi/internal/jsonx"
	"github.com/iotapi/iotapi/internal/reqid"
)

// Partial is how one vendor lists failed items in a successful response.
type Partial struct {
	Vendor iotapi.Vendor

	// RequestIDs are the headers the vendor's request id comes in.
	RequestIDs *reqid.List

	// Read returns the failed items a JSON object body lists, adding each
	// with add (which keeps at most iotapi.MaxFailures and counts them all),
	// and the body's request id if it has one.
	Read func(body jsonx.Value, add func(iotapi.Detail)) (requestID string)
}

// Check is a vendor's CheckPartial: for a non-2xx response (or nil), the
// vendor's CheckResponse error; for a 2xx whose body lists failed items, a
// *iotapi.PartialError; otherwise nil. It reads at most iotapi.BodyLimit
// bytes of the body (decompressed if gzip-encoded) and puts the body back;
// a longer body cannot be checked and gives an error matching
// iotapi.ErrBodyTooLarge.
func (p Partial) Check(resp *http.Response) error {
	if resp == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return p.Vendor.CheckResponse(resp)
	}
	const limit = iotapi.BodyLimit
	raw := httpbody.Capture(resp, limit+1)
	if len(raw) > limit {
		return fmt.Errorf("%s: checking a %d response for failed items: %w", p.Vendor.Name(), resp.StatusCode, iotapi.ErrBodyTooLarge)
	}
	if body := httpbody.Decoded(resp.Header, raw, limit+1); len(body) > limit {
		return fmt.Errorf("%s: checking a %d response for failed items: %w", p.Vendor.Name(), resp.StatusCode, iotapi.ErrBodyTooLarge)
	} else if v, err := jsonx.Parse(body); err == nil && v.Kind() == jsonx.KindObject {
		e := &iotapi.PartialError{Vendor: p.Vendor.Name(), StatusCode: resp.StatusCode}
		add := func(d iotapi.Detail) {
			if d == (iotapi.Detail{}) {
				return
			}
			if e.Failed++; len(e.Failures) < iotapi.MaxFailures {
				e.Failures = append(e.Failures, d)
			}
		}
		e.RequestID = p.Read(v, add)
		if e.Failed == 0 {
			return nil
		}
		if e.RequestID == "" {
			e.RequestID = p.RequestIDs.Find(resp.Header)
		}
		return e
	}
	return nil
}
