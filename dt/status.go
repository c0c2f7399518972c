package dt

import (
	"strconv"
	"strings"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/clock"
	"github.com/iotapi/iotapi/internal/envelope"
	"github.com/iotapi/iotapi/internal/jsonx"
	"github.com/iotapi/iotapi/internal/retryafter"
)

// grpcCodes are the gRPC status codes (google.rpc.Code) by number: each
// one's name and the HTTP status gateways in front of gRPC services answer
// it with (grpc-gateway's HTTPStatusFromCode). Code 0 is OK, not an error.
var grpcCodes = [...]struct {
	name   string
	status int
}{
	{"OK", 200}, {"CANCELLED", 499}, {"UNKNOWN", 500}, {"INVALID_ARGUMENT", 400}, {"DEADLINE_EXCEEDED", 504},
	{"NOT_FOUND", 404}, {"ALREADY_EXISTS", 409}, {"PERMISSION_DENIED", 403}, {"RESOURCE_EXHAUSTED", 429},
	{"FAILED_PRECONDITION", 400}, {"ABORTED", 409}, {"OUT_OF_RANGE", 400}, {"UNIMPLEMENTED", 501},
	{"INTERNAL", 500}, {"UNAVAILABLE", 503}, {"DATA_LOSS", 500}, {"UNAUTHENTICATED", 401},
}

// grpcIndex returns the number of a gRPC code given by number or by name,
// or -1. OK is not an error code: it is -1 too.
func grpcIndex(code string) int {
	if n, err := strconv.Atoi(code); err == nil {
		if n > 0 && n < len(grpcCodes) {
			return n
		}
		return -1
	}
	for i := 1; i < len(grpcCodes); i++ {
		if grpcCodes[i].name == code {
			return i
		}
	}
	return -1
}

// grpcName returns the name of a gRPC code given by number or name, or "".
func grpcName(code string) string {
	if i := grpcIndex(code); i > 0 {
		return grpcCodes[i].name
	}
	return ""
}

// grpcRow returns the table row of a gRPC code: the Kind and retryability
// of the HTTP status it maps to.
func grpcRow(code string) (envelope.Code, bool) {
	i := grpcIndex(code)
	if i < 0 {
		return envelope.Code{}, false
	}
	s := grpcCodes[i].status
	return envelope.Code{Status: s, Kind: statusKind(s), Retryable: statusRetryable(s)}, true
}

// The google.rpc error details this package reads, by the type URL's last
// element.
const (
	typeHelp                = "google.rpc.Help"
	typeRequestInfo         = "google.rpc.RequestInfo"
	typeRetryInfo           = "google.rpc.RetryInfo"
	typeBadRequest          = "google.rpc.BadRequest"
	typeErrorInfo           = "google.rpc.ErrorInfo"
	typePreconditionFailure = "google.rpc.PreconditionFailure"
	typeQuotaFailure        = "google.rpc.QuotaFailure"
	typeResourceInfo        = "google.rpc.ResourceInfo"
	typeLocalizedMessage    = "google.rpc.LocalizedMessage"
	typeDebugInfo           = "google.rpc.DebugInfo"
)

// readStatusDetails reads a google.rpc.Status's details, a list (or, from
// a lenient server, a single item): Help's first link is DocURL when the
// body has no help of its own; RequestInfo's requestId is RequestID;
// RetryInfo's retryDelay is RetryAfter when it is longer than the header's;
// BadRequest, PreconditionFailure and QuotaFailure violations, ErrorInfo,
// ResourceInfo and LocalizedMessage become Details; DebugInfo (server
// internals) is left in the body; anything else is read as a nested error.
// At most envelope.MaxDetails are kept.
func readStatusDetails(e *iotapi.APIError, details jsonx.Value) {
	switch details.Kind() {
	case jsonx.KindArray:
		for it := range details.Items() {
			readStatusDetail(e, it)
		}
	case jsonx.KindObject, jsonx.KindString:
		readStatusDetail(e, details)
	}
}

func readStatusDetail(e *iotapi.APIError, it jsonx.Value) {
	typeURL := it.Get("@type").Text()
	switch typeURL[strings.LastIndexByte(typeURL, '/')+1:] {
	case typeHelp:
		for link := range it.Get("links").Items() {
			if url := link.Get("url").Text(); url != "" && e.DocURL == "" {
				e.DocURL = url
			}
		}
	case typeRequestInfo:
		envelope.Set(&e.RequestID, it.Get("requestId"))
	case typeRetryInfo:
		if d, ok := protoDuration(it.Get("retryDelay")); ok && d > e.RetryAfter {
			e.RetryAfter = d
		}
	case typeBadRequest:
		for v := range it.Get("fieldViolations").Items() {
			addDetail(e, iotapi.Detail{Type: v.Get("reason").Text(), Field: v.Get("field").Text(), Message: v.Get("description").Text()})
		}
	case typePreconditionFailure:
		for v := range it.Get("violations").Items() {
			addDetail(e, iotapi.Detail{Type: v.Get("type").Text(), Field: v.Get("subject").Text(), Message: v.Get("description").Text()})
		}
	case typeQuotaFailure:
		for v := range it.Get("violations").Items() {
			addDetail(e, iotapi.Detail{Field: v.Get("subject").Text(), Message: v.Get("description").Text()})
		}
	case typeErrorInfo:
		addDetail(e, iotapi.Detail{Type: it.Get("reason").Text()})
	case typeResourceInfo:
		addDetail(e, iotapi.Detail{Type: it.Get("resourceType").Text(), Field: it.Get("resourceName").Text(),
			Message: it.Get("description").Text()})
	case typeLocalizedMessage:
		addDetail(e, iotapi.Detail{Message: it.Get("message").Text()})
	case typeDebugInfo:
	default:
		if d, ok := envelope.DetailOf(it); ok {
			addDetail(e, d)
		}
	}
}

// addDetail keeps d unless it is empty or e holds envelope.MaxDetails.
func addDetail(e *iotapi.APIError, d iotapi.Detail) {
	if d != (iotapi.Detail{}) && len(e.Details) < envelope.MaxDetails {
		e.Details = append(e.Details, d)
	}
}

// protoDuration reads a google.protobuf.Duration as JSON writes it ("1.5s")
// or as an object ({"seconds": 1, "nanos": 500000000}).
func protoDuration(v jsonx.Value) (d time.Duration, ok bool) {
	if v.Kind() == jsonx.KindObject {
		secs, _ := strconv.ParseFloat(v.Get("seconds").Text(), 64)
		nanos, _ := strconv.ParseFloat(v.Get("nanos").Text(), 64)
		return retryafter.Parse(strconv.FormatFloat(secs+nanos/1e9, 'f', -1, 64), clock.Now())
	}
	s, found := strings.CutSuffix(v.Text(), "s")
	if !found {
		return 0, false
	}
	return retryafter.Parse(s, clock.Now())
}
