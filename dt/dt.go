package dt

import (
	"net/http"
	"strconv"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/envelope"
	"github.com/iotapi/iotapi/internal/jsonx"
)

// Name is the vendor's name in APIError.Vendor.
const Name = "dt"

// DT's error codes: the HTTP status of the response, as text (APIError.Code).
const (
	CodeBadRequest         = "400" // an invalid argument in the path, query or body
	CodeUnauthorized       = "401" // the user or Service Account cannot be authenticated
	CodeForbidden          = "403" // the role does not grant access to this resource
	CodeNotFound           = "404" // the resource does not exist (or is not yet propagated)
	CodeConflict           = "409" // the resource already exists, or changed concurrently
	CodeTooManyRequests    = "429" // over 75 requests per 10 seconds; see Retry-After
	CodeInternalError      = "500" // internal error: retry with backoff, at least 1 s
	CodeMethodNotAllowed   = "501" // the wrong HTTP verb was used
	CodeServiceUnavailable = "503" // as 500: retry with backoff, at least 1 s
	CodeGatewayTimeout     = "504" // as 500, but retry after at least 10 s
)

// Vendor plugs DT into [iotapi.NewClient] and [iotapi.NewTransport], with
// the document's minimum waits.
var Vendor = iotapi.NewVendor(Name, decode, iotapi.WithRetryRules(
	iotapi.RetryRule{Status: http.StatusInternalServerError, MinWait: time.Second},
	iotapi.RetryRule{Status: http.StatusServiceUnavailable, MinWait: time.Second},
	iotapi.RetryRule{Status: http.StatusGatewayTimeout, MinWait: 10 * time.Second},
))

// CheckResponse returns nil for a 2xx response and an *iotapi.APIError for
// any other. It reads at most 1 MiB of the body and puts the body back.
func CheckResponse(resp *http.Response) error { return Vendor.CheckResponse(resp) }

func decode(e *iotapi.APIError) {
	e.Kind, e.Retryable = statusKind(e.StatusCode), statusRetryable(e.StatusCode)
	if e.StatusCode == http.StatusNotImplemented {
		e.Fault = iotapi.FaultClient
	}
	body, err := jsonx.Parse(e.Body)
	if err != nil || body.Kind() != jsonx.KindObject {
		return
	}
	var errText, message, code, help, status, details jsonx.Value
	read := func(body jsonx.Value) {
		for k, v := range body.Members() {
			switch {
			case k.Is("error"):
				errText = v
			case k.Is("message"):
				message = v
			case k.Is("code"):
				code = v
			case k.Is("help"):
				help = v
			case k.Is("status"):
				status = v
			case k.Is("details"):
				details = v
			}
		}
	}
	read(body)
	// A gateway's google.rpc.Status may come nested: {"error": {"code": …}}.
	// An "error" object with none of its fields is DT's error text of
	// another type than documented, read as text.
	if isStatus(errText) {
		nested := errText
		errText, message, code, help, status, details = jsonx.Value{}, jsonx.Value{}, jsonx.Value{}, jsonx.Value{}, jsonx.Value{}, jsonx.Value{}
		read(nested)
	}
	e.Message = envelope.First(errText, message)
	envelope.Set(&e.Code, code)
	envelope.Set(&e.DocURL, help)
	row, ok := codeRow(e.Code)
	e.Type = grpcName(e.Code)
	if name := status.Text(); name != "" && status.Kind() == jsonx.KindString {
		e.Type = name
		if !ok {
			row, ok = grpcRow(name)
		}
	}
	readStatusDetails(e, details)
	if ok {
		envelope.StatusFirst.Apply(e, row)
	}
}

// isStatus reports whether v is an object with a field of google.rpc.Status.
func isStatus(v jsonx.Value) bool {
	for k := range v.Members() {
		if k.Is("code") || k.Is("message") || k.Is("status") || k.Is("details") {
			return true
		}
	}
	return false
}

// statusKind is the Kind DT's document gives an HTTP status: as everywhere,
// except that DT answers a wrong HTTP verb with 501.
func statusKind(status int) iotapi.Kind {
	if status == http.StatusNotImplemented {
		return iotapi.MethodNotAllowed
	}
	return iotapi.KindForStatus(status)
}

func statusRetryable(status int) bool {
	return status != http.StatusNotImplemented && iotapi.RetryableStatus(status)
}

// codeRow returns the table row of a body's code: an HTTP status (DT's own
// bodies), or a gRPC status code by number or name (google.rpc.Status).
func codeRow(code string) (envelope.Code, bool) {
	if n, err := strconv.Atoi(code); err == nil && n >= 100 && n <= 599 {
		return envelope.Code{Status: n, Kind: statusKind(n), Retryable: statusRetryable(n)}, true
	}
	return grpcRow(code)
}
