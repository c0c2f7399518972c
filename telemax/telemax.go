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

// codes is the document's table of common codes, per status. A code
// refines the status it is listed under (envelope.StatusFirst).
var codes = map[string]envelope.Code{
	CodeTokenExpired:        {Status: 401, Kind: iotapi.TokenExpired},
	CodeTokenMalformed:      {Status: 401, Kind: iotapi.Unauthenticated},
	CodeTokenMissing:        {Status: 401, Kind: iotapi.Unauthenticated},
	CodeInvalidCredentials:  {Status: 401, Kind: iotapi.Unauthenticated},
	CodeInvalidScope:        {Status: 403, Kind: iotapi.PermissionDenied},
	CodeCompanyAccessDenied: {Status: 403, Kind: iotapi.PermissionDenied},
	CodeVehicleAccessDenied: {Status: 403, Kind: iotapi.PermissionDenied},
	CodeVehicleNotFound:     {Status: 404, Kind: iotapi.NotFound},
	CodeCompanyNotFound:     {Status: 404, Kind: iotapi.NotFound},
	CodeIMEINotFound:        {Status: 404, Kind: iotapi.NotFound},
	CodeInvalidDateFormat:   {Status: 422, Kind: iotapi.InvalidRequest},
	CodeInvalidID:           {Status: 422, Kind: iotapi.InvalidRequest},
	CodeInvalidParameter:    {Status: 422, Kind: iotapi.InvalidRequest},
	CodeTooManyRequests:     {Status: 429, Kind: iotapi.RateLimited, Retryable: true},
	CodeInternalError:       {Status: 500, Kind: iotapi.ServerError, Retryable: true},
}

// types is the document's error categories, for a code this package does
// not know.
var types = map[string]envelope.Code{
	TypeAuthentication:  {Status: 401, Kind: iotapi.Unauthenticated},
	TypeAuthorization:   {Status: 403, Kind: iotapi.PermissionDenied},
	TypeResource:        {Status: 404, Kind: iotapi.NotFound},
	TypeValidationError: {Status: 422, Kind: iotapi.InvalidRequest},
	TypeRateLimit:       {Status: 429, Kind: iotapi.RateLimited, Retryable: true},
	TypeServerError:     {Status: 500, Kind: iotapi.ServerError, Retryable: true},
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
	if c, ok := codes[e.Code]; ok {
		envelope.StatusFirst.Apply(e, c)
	} else if c, ok := types[e.Type]; ok {
		envelope.StatusFirst.Apply(e, c)
	}
}
