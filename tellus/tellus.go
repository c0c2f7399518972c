package tellus

import (
	"net/http"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/clock"
	"github.com/iotapi/iotapi/internal/envelope"
	"github.com/iotapi/iotapi/internal/jsonx"
	"github.com/iotapi/iotapi/internal/retryafter"
)

// Name is the vendor's name in APIError.Vendor.
const Name = "tellus"

// The codes of Tellus's error code reference.
const (
	CodeSuccess          = "0"    // success (HTTP 200)
	CodeInvalidParameter = "1001" // invalid request parameters: check parameter format and ranges
	CodeMissingParameter = "1002" // missing required parameter: inspect details.field, supply the missing value
	CodeUnauthenticated  = "2001" // unauthenticated or invalid token: obtain a valid token via /v1/operator/oauth/token
	CodeTokenExpired     = "2002" // token expired: refresh the token and retry the request
	CodePermissionDenied = "2003" // permission denied: verify the client_id has the required scope (read or write)
	CodeNotFound         = "3001" // resource not found: it may have been deleted or be owned by a different operator
	CodeConflict         = "4001" // resource conflict, e.g. a device with that sn is already registered
	CodeTooManyRequests  = "5001" // too many requests: apply backoff
	CodeInternalError    = "9001" // internal server error: retry with backoff; if persistent, contact support
)

// codes is the document's code reference. Its code is "the canonical
// machine-readable identifier" to branch on, so a code here decides the
// Kind whatever the status (envelope.CodeFirst).
var codes = map[string]envelope.Code{
	CodeInvalidParameter: {Status: 400, Kind: iotapi.InvalidRequest},
	CodeMissingParameter: {Status: 400, Kind: iotapi.InvalidRequest},
	CodeUnauthenticated:  {Status: 401, Kind: iotapi.Unauthenticated},
	CodeTokenExpired:     {Status: 401, Kind: iotapi.TokenExpired},
	CodePermissionDenied: {Status: 403, Kind: iotapi.PermissionDenied},
	CodeNotFound:         {Status: 404, Kind: iotapi.NotFound},
	CodeConflict:         {Status: 409, Kind: iotapi.Conflict},
	CodeTooManyRequests:  {Status: 429, Kind: iotapi.RateLimited, Retryable: true},
	CodeInternalError:    {Status: 500, Kind: iotapi.ServerError, Retryable: true},
}

// Vendor plugs Tellus into [iotapi.NewClient] and [iotapi.NewTransport].
var Vendor = iotapi.NewVendor(Name, decode)

// CheckResponse returns nil for a 2xx response and an *iotapi.APIError for
// any other. It reads at most 1 MiB of the body and puts the body back. A
// 2xx whose envelope carries a non-zero code is not read here; use
// [DecodeData] for that.
func CheckResponse(resp *http.Response) error { return Vendor.CheckResponse(resp) }

// errorEnvelope is the error part of the Tellus envelope.
type errorEnvelope struct {
	code, message, details, requestID jsonx.Value
}

// readEnvelope picks the error part out of a Tellus envelope.
func readEnvelope(body jsonx.Value) (env errorEnvelope) {
	for k, v := range body.Members() {
		switch {
		case k.Is("code"):
			env.code = v
		case k.Is("message"):
			env.message = v
		case k.Is("details"):
			env.details = v
		case k.Is("request_id"):
			env.requestID = v
		}
	}
	return env
}

func decode(e *iotapi.APIError) {
	body, err := jsonx.Parse(e.Body)
	if err != nil || body.Kind() != jsonx.KindObject {
		return
	}
	apply(e, readEnvelope(body))
}

func apply(e *iotapi.APIError, env errorEnvelope) {
	envelope.Set(&e.Code, env.code)
	envelope.Set(&e.Message, env.message)
	envelope.Set(&e.RequestID, env.requestID)
	if c, ok := codes[e.Code]; ok {
		envelope.CodeFirst.Apply(e, c)
	}
	// details is field errors, or on a 429 the wait as retry_after_seconds.
	e.Details = envelope.Details(env.details)
	hint := env.details.Get("retry_after_seconds").Text()
	if d, ok := retryafter.Parse(hint, clock.Now()); ok && d > e.RetryAfter {
		e.RetryAfter = d
	}
}
