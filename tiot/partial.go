package tiot

import (
	"net/http"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/envelope"
	"github.com/iotapi/iotapi/internal/jsonx"
)

// CheckPartial checks a response to a multi-item operation. T IoT answers
// some of them with 200 when only some items succeeded, listing the others
// as problem objects in an "errors" member beside the items:
//
//	{"items": [...], "errors": [{"title": "Not Found", "status": 404,
//	 "detail": "…", "instance": "/product/JASPER-…"}]}
//
// For such a response CheckPartial returns an *iotapi.PartialError with one
// Failure per listed problem: Code from its code (else status), Type from
// its title, Field from its field, name, id or instance, Message from its
// detail or message. For a 2xx without failures it returns nil, and for any
// other status CheckResponse's *iotapi.APIError, so one call checks both.
// It reads at most 1 MiB of the body (a longer body gives an error matching
// iotapi.ErrBodyTooLarge) and puts the body back.
//
// CheckResponse and the retry client leave such a 200 a success: the items
// that went through must not be sent again.
func CheckPartial(resp *http.Response) error { return partial.Check(resp) }

var partial = envelope.Partial{Vendor: Vendor, RequestIDs: requestIDHeaders, Read: readPartial}

func readPartial(body jsonx.Value, add func(iotapi.Detail)) (requestID string) {
	var errs, reqID, traceID, correlationID jsonx.Value
	for k, v := range body.Members() {
		switch {
		case k.Is("errors"):
			errs = v
		case k.Is("requestId"):
			reqID = v
		case k.Is("traceId"):
			traceID = v
		case k.Is("correlationId"):
			correlationID = v
		}
	}
	item := func(v jsonx.Value) {
		d, _ := envelope.DetailOf(v)
		if d.Field == "" && v.Kind() == jsonx.KindObject {
			d.Field = envelope.First(v.Get("id"), v.Get("instance"))
		}
		add(d)
	}
	if errs.Kind() == jsonx.KindArray {
		for v := range errs.Items() {
			item(v)
		}
	} else {
		item(errs)
	}
	return envelope.First(reqID, traceID, correlationID)
}
