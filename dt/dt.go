package dt

import (
	"net/http"
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
	if e.StatusCode == http.StatusNotImplemented {
		e.Kind, e.Retryable, e.Fault = iotapi.MethodNotAllowed, false, iotapi.FaultClient
	}
	body, err := jsonx.Parse(e.Body)
	if err != nil || body.Kind() != jsonx.KindObject {
		return
	}
	var errText, message, code, help jsonx.Value
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
		}
	}
	e.Message = envelope.First(errText, message)
	envelope.Set(&e.Code, code)
	envelope.Set(&e.DocURL, help)
}
