package telemax_test

import (
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/telemax"
	"github.com/stretchr/testify/assert"
)

const docs = "https://docs.telemax.com.au/errors"

// want is the outcome of a documented Telemax error: retryable exactly
// when the document says so (429 and 500).
func want(status int, kind iotapi.Kind, typ, code, msg, reqID, docURL string) fixture.Want {
	return fixture.Want{Status: status, Kind: kind, Type: typ, Code: code, Message: msg, RequestID: reqID, DocURL: docURL,
		Retryable: status == 429 || status == 500}
}

var cases = map[string]fixture.Want{
	"token_expired":                    want(401, iotapi.TokenExpired, telemax.TypeAuthentication, telemax.CodeTokenExpired, "The access token has expired. Request a new token.", "0HNLTALNU4DCO:00000004", docs+"#token-expired"),
	"token_malformed":                  want(401, iotapi.Unauthenticated, telemax.TypeAuthentication, telemax.CodeTokenMalformed, "The access token cannot be parsed.", "0HNLTALNU4DCO:00000005", docs+"#token-malformed"),
	"token_missing":                    want(401, iotapi.Unauthenticated, telemax.TypeAuthentication, telemax.CodeTokenMissing, "No bearer token was sent.", "0HNLTALNU4DCO:00000006", docs+"#token-missing"),
	"company_access_denied":            want(403, iotapi.PermissionDenied, telemax.TypeAuthorization, telemax.CodeCompanyAccessDenied, "Your token does not grant access to company 99. Ensure you are using a token issued for this company.", "0HNLTALNU4DCE:00000002", docs+"#company-access-denied"),
	"vehicle_access_denied":            want(403, iotapi.PermissionDenied, telemax.TypeAuthorization, telemax.CodeVehicleAccessDenied, "Vehicle 12 does not belong to a company accessible by this token.", "0HNLTALNU4DCE:00000003", docs+"#vehicle-access-denied"),
	"vehicle_not_found":                want(404, iotapi.NotFound, telemax.TypeResource, telemax.CodeVehicleNotFound, "Vehicle with ID 9999 was not found.", "0HNLTALNU4DDM:00000003", docs+"#not-found"),
	"company_not_found":                want(404, iotapi.NotFound, telemax.TypeResource, telemax.CodeCompanyNotFound, "Company with ID 99 was not found.", "0HNLTALNU4DDM:00000004", docs+"#not-found"),
	"imei_not_found":                   want(404, iotapi.NotFound, telemax.TypeResource, telemax.CodeIMEINotFound, "No device registered with IMEI 356938035643809.", "0HNLTALNU4DDM:00000005", docs+"#not-found"),
	"invalid_date_format":              want(422, iotapi.InvalidRequest, telemax.TypeValidationError, telemax.CodeInvalidDateFormat, "The 'from' parameter '2025-13-45' is not a valid ISO 8601 date-time string.", "0HNLTALNU4DDJ:00000004", docs+"#invalid-parameter"),
	"invalid_id":                       want(422, iotapi.InvalidRequest, telemax.TypeValidationError, telemax.CodeInvalidID, "Vehicle ID must be a positive integer.", "0HNLTALNU4DDJ:00000005", docs+"#invalid-parameter"),
	"invalid_parameter":                want(422, iotapi.InvalidRequest, telemax.TypeValidationError, telemax.CodeInvalidParameter, "The 'limit' parameter is invalid.", "0HNLTALNU4DDJ:00000006", docs+"#invalid-parameter"),
	"internal_error":                   want(500, iotapi.ServerError, telemax.TypeServerError, telemax.CodeInternalError, "An unexpected error occurred. Please try again or contact support with the requestId.", "0HNLTALNU4DE1:00000002", docs+"#server-error"),
	"v1_token_expired_no_request_id":   want(401, iotapi.TokenExpired, telemax.TypeAuthentication, telemax.CodeTokenExpired, "The access token has expired. Request a new token.", "", docs+"#token-expired"),
	"v1_no_request_id_header_fallback": want(404, iotapi.NotFound, telemax.TypeResource, telemax.CodeVehicleNotFound, "Vehicle with ID 1 was not found.", "hdr-123", docs+"#not-found"),
	"v2_invalid_credentials":           want(401, iotapi.Unauthenticated, telemax.TypeAuthentication, telemax.CodeInvalidCredentials, "The API key is not valid.", "0HNV2:00000001", docs+"/invalid-credentials"),
	"v2_invalid_scope":                 want(403, iotapi.PermissionDenied, telemax.TypeAuthorization, telemax.CodeInvalidScope, "The token scope does not include vehicles:read.", "0HNV2:00000002", docs+"/invalid-scope"),
	"unknown_type_and_code":            want(400, iotapi.InvalidRequest, "QUOTA", "MONTHLY_QUOTA_EXCEEDED", "Monthly quota exceeded.", "0HNV2:00000003", ""),
	"body_and_header_request_id":       want(500, iotapi.ServerError, telemax.TypeServerError, telemax.CodeInternalError, "Oops.", "body-id", ""),
	"token_expired_on_403":             want(403, iotapi.PermissionDenied, telemax.TypeAuthentication, telemax.CodeTokenExpired, "The access token has expired. Request a new token.", "0HNLTALNU4DCF:00000009", docs+"#token-expired"),
	"null_fields":                      want(401, iotapi.TokenExpired, "", telemax.CodeTokenExpired, "", "", ""),
	"too_many_requests": {Status: 429, Kind: iotapi.RateLimited, Type: telemax.TypeRateLimit, Code: telemax.CodeTooManyRequests,
		Message: "Too many requests. Please try again later.", RequestID: "0HNLTALNU4DD8:00000006", DocURL: docs + "#rate-limit",
		Retryable: true, RetryAfter: 7 * time.Second},
	"unknown_code_type_decides": {Status: 418, Kind: iotapi.RateLimited, Type: telemax.TypeRateLimit, Code: "SLOW_DOWN",
		Message: "Slow down.", Retryable: true},
	"plain_text_503": {Status: 503, Kind: iotapi.Unavailable, Retryable: true,
		Message: "upstream connect error or disconnect/reset before headers. reset reason: connection termination"},
}

func TestCheckResponse_Fixtures(t *testing.T) {
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			fixture.Check(t, telemax.CheckResponse, telemax.Name, name, want)
		})
	}
}

func TestCheckResponse_EveryFixtureAsserted(t *testing.T) {
	for _, name := range fixture.Names(t, telemax.Name) {
		_, ok := cases[name]
		assert.Truef(t, ok, "fixture %s has no assertion", name)
	}
}

func TestCheckResponse_ErrorLine(t *testing.T) {
	resp, _ := fixture.Load(t, telemax.Name, "token_expired")
	err := telemax.CheckResponse(resp)
	assert.Equal(t, "telemax: 401 the access token has expired. Request a new token (code TOKEN_EXPIRED)", err.Error())
	assert.ErrorIs(t, err, iotapi.Unauthenticated)
}

func TestVendor_EscalatesOn429(t *testing.T) {
	r, ok := telemax.Vendor.Rule(429)
	assert.True(t, ok)
	assert.True(t, r.Escalate)
	assert.Equal(t, 60*time.Second, r.MaxWait)
}
