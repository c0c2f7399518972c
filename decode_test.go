package iotapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/telemax"
	"github.com/iotapi/iotapi/tellus"
	"github.com/iotapi/iotapi/tiot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A vendor code on a status other than the one its table documents: the
// rule each vendor package states in its mapping table, across the five.
// Code and Type keep the vendor's values; Retryable follows the Kind.
func TestCheckResponse_CodeOnUnexpectedStatus(t *testing.T) {
	for _, c := range []struct {
		vendor    iotapi.Vendor
		status    int
		body      string
		kind      iotapi.Kind
		code, typ string
		retryable bool
	}{
		// Endpoint Manager: a code refines its status.
		{endpointmgr.Vendor, 404, `{"error_code":1401,"error_token":"InvalidReference","message":"Endpoint with Id '-1' not found."}`,
			iotapi.NotFound, "1401", "InvalidReference", false},
		{endpointmgr.Vendor, 401, `{"error_code":1103,"error_token":"TokenExpired"}`, iotapi.TokenExpired, "1103", "TokenExpired", false},
		{endpointmgr.Vendor, 404, `{"error_code":1601,"error_token":"Unavailable"}`, iotapi.NotFound, "1601", "Unavailable", false},
		{endpointmgr.Vendor, 403, `{"error_code":1103,"error_token":"TokenExpired"}`, iotapi.PermissionDenied, "1103", "TokenExpired", false},
		{endpointmgr.Vendor, 500, `{"error_code":1105,"error_token":"TooManyRequests"}`, iotapi.ServerError, "1105", "TooManyRequests", true},
		{endpointmgr.Vendor, 409, `{"error_code":1501,"error_token":"TooManyRequests"}`, iotapi.Conflict, "1501", "TooManyRequests", false},
		{endpointmgr.Vendor, 429, `{"error_code":1401,"error_token":"InvalidReference"}`, iotapi.RateLimited, "1401", "InvalidReference", true},
		{endpointmgr.Vendor, 418, `{"error_code":1103,"error_token":"TokenExpired"}`, iotapi.TokenExpired, "1103", "TokenExpired", false},
		{endpointmgr.Vendor, 418, `{"error_code":1501,"error_token":"TooManyRequests"}`, iotapi.RateLimited, "1501", "TooManyRequests", true},
		// Telemax: a code refines its status; an unknown code's type likewise.
		{telemax.Vendor, 403, `{"type":"AUTHENTICATION","code":"TOKEN_EXPIRED"}`, iotapi.PermissionDenied, "TOKEN_EXPIRED", "AUTHENTICATION", false},
		{telemax.Vendor, 404, `{"type":"RATE_LIMIT","code":"TOO_MANY_REQUESTS"}`, iotapi.NotFound, "TOO_MANY_REQUESTS", "RATE_LIMIT", false},
		{telemax.Vendor, 503, `{"type":"RESOURCE","code":"VEHICLE_NOT_FOUND"}`, iotapi.Unavailable, "VEHICLE_NOT_FOUND", "RESOURCE", true},
		{telemax.Vendor, 418, `{"type":"RESOURCE","code":"VEHICLE_NOT_FOUND"}`, iotapi.NotFound, "VEHICLE_NOT_FOUND", "RESOURCE", false},
		{telemax.Vendor, 400, `{"type":"SERVER_ERROR","code":"DB_DOWN"}`, iotapi.InvalidRequest, "DB_DOWN", "SERVER_ERROR", false},
		// Tellus: the code is canonical and decides on any status.
		{tellus.Vendor, 500, `{"code":3001,"message":"Resource not found"}`, iotapi.NotFound, "3001", "", false},
		{tellus.Vendor, 404, `{"code":9001,"message":"Internal server error"}`, iotapi.ServerError, "9001", "", true},
		{tellus.Vendor, 403, `{"code":2002,"message":"Token expired"}`, iotapi.TokenExpired, "2002", "", false},
		{tellus.Vendor, 503, `{"code":1001}`, iotapi.InvalidRequest, "1001", "", false},
		// DT: its codes are statuses; the status decides.
		{dt.Vendor, 400, `{"error":"already exists","code":409}`, iotapi.InvalidRequest, "409", "", false},
		{dt.Vendor, 418, `{"error":"already exists","code":409}`, iotapi.Conflict, "409", "", false},
		{dt.Vendor, 501, `{"error":"internal","code":500}`, iotapi.MethodNotAllowed, "500", "", false},
		{dt.Vendor, 500, `{"code":5,"message":"not found"}`, iotapi.ServerError, "5", "NOT_FOUND", true},
		// T IoT: no code vocabulary; the status decides.
		{tiot.Vendor, 400, `{"title":"Not Found","code":"NOT_FOUND"}`, iotapi.InvalidRequest, "NOT_FOUND", "Not Found", false},
		{tiot.Vendor, 429, `{"title":"Internal Server Error","code":500}`, iotapi.RateLimited, "500", "Internal Server Error", true},
	} {
		t.Run(c.vendor.Name()+" "+c.body, func(t *testing.T) {
			var e *iotapi.APIError
			require.ErrorAs(t, c.vendor.CheckResponse(fixture.Response(t, c.status, c.body)), &e)
			assert.Equal(t, c.status, e.StatusCode)
			assert.Equal(t, c.kind, e.Kind, "Kind")
			assert.Equal(t, c.code, e.Code, "Code")
			assert.Equal(t, c.typ, e.Type, "Type")
			assert.Equal(t, c.retryable, e.Retryable, "Retryable")
			assert.Equal(t, c.retryable, iotapi.IsRetryable(e))
		})
	}
}

// The body's wait and the Retry-After header of one response are measured
// from the same clock, the one NewAPIError uses.
func TestTellus_BodyRetryAfterUsesTheLibraryClock(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	restore := iotapi.SetNow(func() time.Time { return at })
	defer restore()

	date := func(d time.Duration) string { return at.Add(d).Format(http.TimeFormat) }
	body := `{"code": 5001, "message": "Too many requests", "details": {"retry_after_seconds": "` + date(90*time.Second) + `"}}`
	resp := fixture.Response(t, 429, body, "Retry-After", date(30*time.Second))
	var e *iotapi.APIError
	require.ErrorAs(t, tellus.CheckResponse(resp), &e)
	assert.Equal(t, 90*time.Second, e.RetryAfter, "the later of the two hints, both measured from the test's clock")

	resp = fixture.Response(t, 429, `{"code": 5001, "details": {"retry_after_seconds": "`+date(-time.Minute)+`"}}`, "Retry-After", "7")
	require.ErrorAs(t, tellus.CheckResponse(resp), &e)
	assert.Equal(t, 7*time.Second, e.RetryAfter, "a date already past by the library's clock is no hint")
}
