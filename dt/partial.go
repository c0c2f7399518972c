package dt

import (
	"net/http"
	"strings"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/envelope"
	"github.com/iotapi/iotapi/internal/jsonx"
	"github.com/iotapi/iotapi/internal/reqid"
)

// CheckPartial checks a response of one of DT's batch endpoints. They
// answer 200 when only some devices were handled, listing the others beside
// the ones that were (as DT's official Python client reads them):
//
//	devices:batchUpdate  {"batchErrors": [{"device": "projects/p/devices/d",
//	                      "status": {"code": "NOT_FOUND", "message": "…"}}]}
//	devices:transfer     {"transferredDevices": [...], "transferErrors": [...]}
//	devices:claim        {"claimedDevices": [...], "claimErrors": {"devices":
//	                      [{"deviceId": "…", "code": "ALREADY_CLAIMED", "message": "…"}],
//	                      "kits": [{"kitId": "…", …}]}}
//
// For such a response CheckPartial returns an *iotapi.PartialError with one
// Failure per listed item, from every member whose name ends in "Errors":
// Code the item's code as sent ("NOT_FOUND", "ALREADY_CLAIMED"), Type the
// gRPC code's name when the code is one, Field the device's resource name
// (or the device or kit id), Message the item's message. For a 2xx without
// failures it returns nil, and for any other status CheckResponse's
// *iotapi.APIError, so one call checks both. It reads at most 1 MiB of the
// body (a longer body gives an error matching iotapi.ErrBodyTooLarge) and
// puts the body back.
//
// CheckResponse and the retry client leave such a 200 a success: the
// devices that were handled must not be sent again.
func CheckPartial(resp *http.Response) error { return partial.Check(resp) }

var partial = envelope.Partial{Vendor: Vendor, RequestIDs: reqid.Default, Read: readPartial}

func readPartial(body jsonx.Value, add func(iotapi.Detail)) (requestID string) {
	for k, v := range body.Members() {
		if name := k.String(); strings.HasSuffix(name, "Errors") || strings.HasSuffix(name, "errors") {
			readFailures(v, add)
		}
	}
	return ""
}

// readFailures reads a list of failed items, or an object of such lists
// (claimErrors' devices and kits).
func readFailures(v jsonx.Value, add func(iotapi.Detail)) {
	switch v.Kind() {
	case jsonx.KindArray:
		for it := range v.Items() {
			add(failure(it))
		}
	case jsonx.KindObject:
		if v.Get("status").Kind() == jsonx.KindObject || v.Get("code").Kind() != jsonx.KindNone {
			add(failure(v)) // one item where a list was expected
			return
		}
		for _, list := range v.Members() {
			if list.Kind() == jsonx.KindArray {
				for it := range list.Items() {
					add(failure(it))
				}
			}
		}
	}
}

// failure reads one failed item: {"device", "status": {"code", "message"}},
// or {"deviceId" or "kitId", "code", "message"}.
func failure(it jsonx.Value) iotapi.Detail {
	st := it.Get("status")
	if st.Kind() != jsonx.KindObject {
		st = it
	}
	code := st.Get("code").Text()
	d := iotapi.Detail{
		Code:    code,
		Type:    grpcName(code),
		Field:   envelope.First(it.Get("device"), it.Get("deviceId"), it.Get("kitId"), it.Get("name")),
		Message: envelope.First(st.Get("message"), st.Get("error"), it.Get("message")),
	}
	if d == (iotapi.Detail{}) {
		d, _ = envelope.DetailOf(it)
	}
	return d
}
