package tellus_test

import (
	"errors"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/tellus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var cases = map[string]fixture.Want{
	"1001_invalid_parameter": {Status: 400, Kind: iotapi.InvalidRequest, Code: tellus.CodeInvalidParameter, Message: "Invalid request parameters", RequestID: "tls-req-1001"},
	"1002_missing_parameter": {Status: 400, Kind: iotapi.InvalidRequest, Code: tellus.CodeMissingParameter, Message: "Missing required parameter", RequestID: "tls-req-1002",
		Details: []iotapi.Detail{{Field: "sn"}}},
	"2001_unauthenticated":   {Status: 401, Kind: iotapi.Unauthenticated, Code: tellus.CodeUnauthenticated, Message: "Unauthenticated or invalid token", RequestID: "tls-req-2001"},
	"2002_token_expired":     {Status: 401, Kind: iotapi.TokenExpired, Code: tellus.CodeTokenExpired, Message: "Token expired", RequestID: "tls-req-2002"},
	"2003_permission_denied": {Status: 403, Kind: iotapi.PermissionDenied, Code: tellus.CodePermissionDenied, Message: "Permission denied", RequestID: "tls-req-2003"},
	"3001_not_found":         {Status: 404, Kind: iotapi.NotFound, Code: tellus.CodeNotFound, Message: "Resource not found", RequestID: "tls-req-3001"},
	"4001_conflict": {Status: 409, Kind: iotapi.Conflict, Code: tellus.CodeConflict, Message: "Resource conflict", RequestID: "tls-req-4001",
		Details: []iotapi.Detail{{Field: "sn", Message: "a device with that sn is already registered"}}},
	"5001_too_many_requests": {Status: 429, Kind: iotapi.RateLimited, Code: tellus.CodeTooManyRequests, Message: "Too many requests", RequestID: "tls-req-5001",
		Retryable: true, RetryAfter: 30 * time.Second},
	"9001_internal_error":      {Status: 500, Kind: iotapi.ServerError, Code: tellus.CodeInternalError, Message: "Internal server error", RequestID: "tls-req-9001", Retryable: true},
	"429_header_and_body_hint": {Status: 429, Kind: iotapi.RateLimited, Code: tellus.CodeTooManyRequests, Message: "Too many requests", Retryable: true, RetryAfter: 12 * time.Second},
	"code_as_string":           {Status: 401, Kind: iotapi.TokenExpired, Code: tellus.CodeTokenExpired, Message: "Token expired"},
	"code_as_float":            {Status: 404, Kind: iotapi.NotFound, Code: tellus.CodeNotFound, Message: "Resource not found"},
	"3001_on_500": {Status: 500, Kind: iotapi.NotFound, Code: tellus.CodeNotFound, Message: "Resource not found", RequestID: "tls-req-3001-500",
		Fault: iotapi.FaultClient},
	"unknown_code":       {Status: 418, Kind: iotapi.Unknown, Code: "7777", Message: "Teapot mode"},
	"html_gateway_502":   {Status: 502, Kind: iotapi.Unavailable, Message: "502 Bad Gateway", Retryable: true},
	"empty_body_503":     {Status: 503, Kind: iotapi.Unavailable, Retryable: true, RetryAfterMin: 24 * time.Hour},
	"truncated_json_500": {Status: 500, Kind: iotapi.ServerError, Retryable: true},
	"wrong_types": {Status: 400, Kind: iotapi.InvalidRequest, Code: `{"nested":true}`, Message: "42",
		Details: []iotapi.Detail{{Message: "sn is required"}}},
}

// Fixtures of successful envelopes, asserted by the DecodeData tests.
var successFixtures = map[string]bool{"ok_envelope_with_error_code": true, "ok_envelope_success": true}

func TestCheckResponse_Fixtures(t *testing.T) {
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			fixture.Check(t, tellus.CheckResponse, tellus.Name, name, want)
		})
	}
}

func TestCheckResponse_EveryFixtureAsserted(t *testing.T) {
	for _, name := range fixture.Names(t, tellus.Name) {
		_, ok := cases[name]
		assert.Truef(t, ok || successFixtures[name], "fixture %s has no assertion", name)
	}
}

func TestCheckResponse_Success(t *testing.T) {
	resp, body := fixture.Load(t, tellus.Name, "ok_envelope_success")
	require.NoError(t, tellus.CheckResponse(resp))
	fixture.AssertBodyIntact(t, resp, body)
}

func TestCheckResponse_TokenExpiredIsUnauthenticated(t *testing.T) {
	resp, _ := fixture.Load(t, tellus.Name, "2002_token_expired")
	err := tellus.CheckResponse(resp)
	assert.ErrorIs(t, err, iotapi.TokenExpired)
	assert.ErrorIs(t, err, iotapi.Unauthenticated)
	assert.NotErrorIs(t, err, iotapi.PermissionDenied)
	assert.Equal(t, "tellus: 401 token expired (code 2002)", err.Error())
}

type station struct {
	SN     string `json:"sn"`
	Status string `json:"status"`
}

func TestDecodeData_Success(t *testing.T) {
	resp, _ := fixture.Load(t, tellus.Name, "ok_envelope_success")
	got, err := tellus.DecodeData[station](resp)
	require.NoError(t, err)
	assert.Equal(t, station{SN: "TP-001", Status: "Available"}, got)
}

func TestDecodeData_ErrorCodeOnHTTP200(t *testing.T) {
	resp, _ := fixture.Load(t, tellus.Name, "ok_envelope_with_error_code")
	got, err := tellus.DecodeData[station](resp)
	assert.Zero(t, got)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 200, e.StatusCode)
	assert.Equal(t, iotapi.PermissionDenied, e.Kind)
	assert.Equal(t, tellus.CodePermissionDenied, e.Code)
	assert.Equal(t, "Permission denied", e.Message)
	assert.Equal(t, iotapi.FaultClient, e.Fault)
	assert.False(t, e.Retryable)
	assert.JSONEq(t, `{"code":2003,"message":"Permission denied","data":null}`, string(e.Body))
}

func TestDecodeData_ErrorStatus(t *testing.T) {
	resp, _ := fixture.Load(t, tellus.Name, "3001_not_found")
	_, err := tellus.DecodeData[station](resp)
	assert.ErrorIs(t, err, iotapi.NotFound)
}

func TestDecodeData_DataOfWrongTypeStillSeesErrorCode(t *testing.T) {
	resp := fixture.Response(t, 200, `{"code":5001,"message":"Too many requests","data":"not an object"}`)
	_, err := tellus.DecodeData[station](resp)
	assert.ErrorIs(t, err, iotapi.RateLimited)
	assert.True(t, iotapi.IsRetryable(err))
}

func TestDecodeData_NotAnEnvelope(t *testing.T) {
	resp := fixture.Response(t, 200, `<html>maintenance</html>`)
	_, err := tellus.DecodeData[station](resp)
	require.Error(t, err)
	var e *iotapi.APIError
	assert.False(t, errors.As(err, &e), "a 2xx body that is not an envelope is a decoding error, not a vendor error")
	assert.Contains(t, err.Error(), "tellus: decoding 200 response")
}

func TestDecodeData_NilDataAndMissingMessage(t *testing.T) {
	resp := fixture.Response(t, 200, `{"code":0}`)
	got, err := tellus.DecodeData[*station](resp)
	require.NoError(t, err)
	assert.Nil(t, got)
}
