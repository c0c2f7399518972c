package telemax

import (
	"net/http"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/envelope"
	"github.com/iotapi/iotapi/internal/jsonx"
)

// Name is the vendor's name in APIError.Vendor.
const Name = "telemax"

// Error types (APIError.Type).
const (
	TypeAuthentication  = "AUTHENTICATION"   // 401: JWT missing, expired or malformed
	TypeAuthorization   = "AUTHORIZATION"    // 403: token valid, no access to the company or vehicle
	TypeResource        = "RESOURCE"         // 404: vehicle, company or IMEI not found
	TypeValidationError = "VALIDATION_ERROR" // 422: a parameter has an invalid format
	TypeRateLimit       = "RATE_LIMIT"       // 429: V2 rate limit exceeded
	TypeServerError     = "SERVER_ERROR"     // 500: unexpected server-side error
)

// Error codes (APIError.Code).
const (
	CodeTokenExpired        = "TOKEN_EXPIRED"         // 401: token lifetime has elapsed
	CodeTokenMalformed      = "TOKEN_MALFORMED"       // 401: token cannot be parsed or signature is invalid
	CodeTokenMissing        = "TOKEN_MISSING"         // 401: no Authorization: Bearer header was sent
	CodeInvalidCredentials  = "INVALID_CREDENTIALS"   // 401 (V2): the credentials were not accepted
	CodeInvalidScope        = "INVALID_SCOPE"         // 403 (V2): the token's scope does not cover the request
	CodeCompanyAccessDenied = "COMPANY_ACCESS_DENIED" // 403: the company is not in the caller's accessible hierarchy
	CodeVehicleAccessDenied = "VEHICLE_ACCESS_DENIED" // 403: the vehicle belongs to no company accessible by this token
	CodeVehicleNotFound     = "VEHICLE_NOT_FOUND"     // 404: no vehicle with the given ID exists
	CodeCompanyNotFound     = "COMPANY_NOT_FOUND"     // 404: no company with the given ID exists
	CodeIMEINotFound        = "IMEI_NOT_FOUND"        // 404: no device registered with the given IMEI
	CodeInvalidDateFormat   = "INVALID_DATE_FORMAT"   // 422: date/time string is not valid ISO 8601
	CodeInvalidID           = "INVALID_ID"            // 422: vehicle or company ID is not a positive integer
	CodeInvalidParameter    = "INVALID_PARAMETER"     // 422: other parameter format violation
	CodeTooManyRequests     = "TOO_MANY_REQUESTS"     // 429 (V2): 60 requests per 60-second window per token exceeded
	CodeInternalError       = "INTERNAL_ERROR"        // 500: unexpected server-side error
)

var codeKinds = map[string]iotapi.Kind{
	CodeTokenExpired:        iotapi.TokenExpired,
	CodeTokenMalformed:      iotapi.Unauthenticated,
	CodeTokenMissing:        iotapi.Unauthenticated,
	CodeInvalidCredentials:  iotapi.Unauthenticated,
	CodeInvalidScope:        iotapi.PermissionDenied,
	CodeCompanyAccessDenied: iotapi.PermissionDenied,
	CodeVehicleAccessDenied: iotapi.PermissionDenied,
	CodeVehicleNotFound:     iotapi.NotFound,
	CodeCompanyNotFound:     iotapi.NotFound,
	CodeIMEINotFound:        iotapi.NotFound,
	CodeInvalidDateFormat:   iotapi.InvalidRequest,
	CodeInvalidID:           iotapi.InvalidRequest,
	CodeInvalidParameter:    iotapi.InvalidRequest,
	CodeTooManyRequests:     iotapi.RateLimited,
	CodeInternalError:       iotapi.ServerError,
}

var typeKinds = map[string]iotapi.Kind{
	TypeAuthentication:  iotapi.Unauthenticated,
	TypeAuthorization:   iotapi.PermissionDenied,
	TypeResource:        iotapi.NotFound,
	TypeValidationError: iotapi.InvalidRequest,
	TypeRateLimit:       iotapi.RateLimited,
	TypeServerError:     iotapi.ServerError,
}

// Vendor plugs Telemax into [iotapi.NewClient] and [iotapi.NewTransport].
var Vendor = iotapi.NewVendor(Name, decode, iotapi.WithRetryRules(
	iotapi.RetryRule{Status: http.StatusTooManyRequests, Escalate: true, MaxWait: 60 * time.Second},
))

// CheckResponse returns nil for a 2xx response and an *iotapi.APIError for
// any other. It reads at most 1 MiB of the body and puts the body back.
func CheckResponse(resp *http.Response) error { return Vendor.CheckResponse(resp) }

func decode(e *iotapi.APIError) {
	body, err := jsonx.Parse(e.Body)
	if err != nil || body.Kind() != jsonx.KindObject {
		return
	}
	var typ, code, description, message, requestID, docURL jsonx.Value
	for k, v := range body.Members() {
		switch {
		case k.Is("type"):
			typ = v
		case k.Is("code"):
			code = v
		case k.Is("description"):
			description = v
		case k.Is("message"):
			message = v
		case k.Is("requestId"):
			requestID = v
		case k.Is("docUrl"):
			docURL = v
		}
	}
	envelope.Set(&e.Type, typ)
	envelope.Set(&e.Code, code)
	e.Message = envelope.First(description, message)
	envelope.Set(&e.RequestID, requestID)
	envelope.Set(&e.DocURL, docURL)
	if k, ok := codeKinds[e.Code]; ok {
		e.Kind = k
	} else if k, ok := typeKinds[e.Type]; ok && e.Kind == iotapi.Unknown {
		e.Kind = k
	}
	// The document lists 429 and 500 as retryable, whatever status carried them.
	e.Retryable = e.Retryable || e.Kind == iotapi.RateLimited || e.Kind == iotapi.ServerError
}
