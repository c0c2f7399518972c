package tellus

import (
	"encoding/json"
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

type codeInfo struct {
	status    int
	kind      iotapi.Kind
	retryable bool
}

var codes = map[string]codeInfo{
	CodeInvalidParameter: {400, iotapi.InvalidRequest, false},
	CodeMissingParameter: {400, iotapi.InvalidRequest, false},
	CodeUnauthenticated:  {401, iotapi.Unauthenticated, false},
	CodeTokenExpired:     {401, iotapi.TokenExpired, false},
	CodePermissionDenied: {403, iotapi.PermissionDenied, false},
	CodeNotFound:         {404, iotapi.NotFound, false},
	CodeConflict:         {409, iotapi.Conflict, false},
	CodeTooManyRequests:  {429, iotapi.RateLimited, true},
	CodeInternalError:    {500, iotapi.ServerError, true},
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
	Code      jsonx.Text `json:"code"`
	Message   jsonx.Text `json:"message"`
	Details   details    `json:"details"`
	RequestID jsonx.Text `json:"request_id"`
}

// details is Tellus's details block: field errors, and on a 429 the wait
// as retry_after_seconds.
type details struct {
	list       envelope.Details
	retryAfter jsonx.Text
}

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (d *details) UnmarshalJSON(b []byte) error {
	_ = d.list.UnmarshalJSON(b)
	if b[0] == '{' {
		var hint struct {
			RetryAfterSeconds jsonx.Text `json:"retry_after_seconds"`
		}
		if json.Unmarshal(b, &hint) == nil {
			d.retryAfter = hint.RetryAfterSeconds
		}
	}
	return nil
}

func decode(e *iotapi.APIError) {
	var env errorEnvelope
	if jsonx.Unmarshal(e.Body, &env) != nil {
		return
	}
	apply(e, &env)
}

func apply(e *iotapi.APIError, env *errorEnvelope) {
	envelope.Set(&e.Code, env.Code)
	envelope.Set(&e.Message, env.Message)
	envelope.Set(&e.RequestID, env.RequestID)
	if info, ok := codes[e.Code]; ok {
		e.Kind = info.kind
		e.Retryable = info.retryable
		if e.StatusCode < 400 {
			e.Fault = iotapi.FaultForStatus(info.status)
		}
	}
	e.Details = env.Details.list
	if d, ok := retryafter.Parse(string(env.Details.retryAfter), clock.Now()); ok && d > e.RetryAfter {
		e.RetryAfter = d
	}
}
