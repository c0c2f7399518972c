package iotapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIError_Error(t *testing.T) {
	for _, c := range []struct {
		e    iotapi.APIError
		want string
	}{
		{iotapi.APIError{Vendor: "tellus", StatusCode: 401, Code: "2002", Message: "Token expired"}, "tellus: 401 token expired (code 2002)"},
		{iotapi.APIError{Vendor: "dt", StatusCode: 504}, "dt: 504 gateway timeout"},
		{iotapi.APIError{Vendor: "tiot", StatusCode: 400, Type: "Bad Request"}, "tiot: 400 bad request"},
		{iotapi.APIError{Vendor: "telemax", StatusCode: 401, Message: "JWT missing."}, "telemax: 401 JWT missing"},
		{iotapi.APIError{StatusCode: 599}, "iotapi: 599 error"},
		{iotapi.APIError{Vendor: "tiot", StatusCode: 500, Message: "Error 500 – Backend Unavailable"}, "tiot: 500 error 500 – backend unavailable"},
		{iotapi.APIError{Vendor: "x", StatusCode: 400, Message: "Missing or malformed parameter"}, "x: 400 missing or malformed parameter"},
		{iotapi.APIError{Vendor: "dt", StatusCode: 503, Code: "503", Message: "unavailable", Attempts: 4}, "dt: 503 unavailable (code 503) after 4 attempts"},
		{iotapi.APIError{Vendor: "dt", StatusCode: 503, Message: "unavailable", Attempts: 1, Err: iotapi.ErrRetryBudgetExhausted},
			"dt: 503 unavailable: " + iotapi.ErrRetryBudgetExhausted.Error()},
		{iotapi.APIError{Vendor: "x", StatusCode: 500, Message: "line one\nline two\r\n\tthree\x00"}, "x: 500 line one line two three"},
		{iotapi.APIError{Vendor: "x", StatusCode: 500, Message: "bad \xff utf8"}, "x: 500 bad utf8"},
	} {
		assert.Equal(t, c.want, c.e.Error())
	}
}

func TestAPIError_ErrorIsBounded(t *testing.T) {
	e := &iotapi.APIError{Vendor: "x", StatusCode: 502, Message: strings.Repeat("<p>gateway</p>", 10000), Code: strings.Repeat("9", 500)}
	assert.Less(t, len(e.Error()), 600)
	assert.NotContains(t, e.Error(), "\n")
}

func TestAPIError_IsKind(t *testing.T) {
	var err error = fmt.Errorf("syncing chargers: %w", &iotapi.APIError{Kind: iotapi.TokenExpired})
	assert.ErrorIs(t, err, iotapi.TokenExpired)
	assert.ErrorIs(t, err, iotapi.Unauthenticated, "TokenExpired is also Unauthenticated")
	assert.NotErrorIs(t, err, iotapi.NotFound)

	err = &iotapi.APIError{Kind: iotapi.Unauthenticated}
	assert.NotErrorIs(t, err, iotapi.TokenExpired, "the reverse does not hold")

	var e *iotapi.APIError
	require.ErrorAs(t, fmt.Errorf("wrapped: %w", err), &e)
	assert.Equal(t, iotapi.Unauthenticated, e.Kind)
}

func TestAPIError_UnwrapsStopReason(t *testing.T) {
	err := &iotapi.APIError{Kind: iotapi.Unavailable, Err: iotapi.ErrRetryBudgetExhausted}
	assert.ErrorIs(t, err, iotapi.ErrRetryBudgetExhausted)
	assert.ErrorIs(t, err, iotapi.Unavailable)
}

func TestAPIError_Accessors(t *testing.T) {
	e := &iotapi.APIError{StatusCode: 404, Type: "NotFound", Message: "m", Retryable: true}
	assert.Equal(t, 404, e.HTTPStatusCode())
	assert.Equal(t, "NotFound", e.ErrorCode(), "type stands in for a missing code")
	e.Code = "1201"
	assert.Equal(t, "1201", e.ErrorCode())
	assert.Equal(t, "m", e.ErrorMessage())
	assert.True(t, e.Temporary())
	var _ interface{ HTTPStatusCode() int } = e
	var _ interface{ ErrorCode() string } = e
}

func TestKind(t *testing.T) {
	assert.Equal(t, "not found", iotapi.NotFound.String())
	assert.Equal(t, "token expired", iotapi.TokenExpired.Error())
	assert.Equal(t, "kind 99", iotapi.Kind(99).String())
	assert.True(t, errors.Is(iotapi.TokenExpired, iotapi.Unauthenticated))
	assert.False(t, errors.Is(iotapi.NotFound, errors.New("not found")))
}

func TestKindForStatus(t *testing.T) {
	for status, want := range map[int]iotapi.Kind{400: iotapi.InvalidRequest, 422: iotapi.InvalidRequest, 401: iotapi.Unauthenticated,
		403: iotapi.PermissionDenied, 404: iotapi.NotFound, 409: iotapi.Conflict, 405: iotapi.MethodNotAllowed, 429: iotapi.RateLimited,
		500: iotapi.ServerError, 501: iotapi.ServerError, 502: iotapi.Unavailable, 503: iotapi.Unavailable, 504: iotapi.Unavailable,
		418: iotapi.Unknown, 302: iotapi.Unknown, 200: iotapi.Unknown} {
		assert.Equal(t, want, iotapi.KindForStatus(status), status)
	}
}

func TestIsRetryable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	_, refused := http.Get("http://" + addr + "/")
	require.ErrorIs(t, refused, syscall.ECONNREFUSED)

	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"retryable APIError", &iotapi.APIError{Retryable: true}, true},
		{"permanent APIError", fmt.Errorf("x: %w", &iotapi.APIError{Retryable: false}), false},
		{"connection refused", refused, true},
		{"unexpected EOF", &url.Error{Op: "Get", URL: "u", Err: io.ErrUnexpectedEOF}, true},
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"context canceled", &url.Error{Op: "Get", URL: "u", Err: context.Canceled}, false},
		{"deadline", context.DeadlineExceeded, false},
		{"dns not found", &net.DNSError{Err: "no such host", IsNotFound: true}, false},
		{"dns timeout", &net.DNSError{Err: "timeout", IsTimeout: true}, true},
		{"other", errors.New("boom"), false},
	} {
		assert.Equal(t, c.want, iotapi.IsRetryable(c.err), c.name)
	}
}

func TestNewAPIError_StatusOnlyAndText(t *testing.T) {
	for _, c := range []struct {
		body, ctype string
		status      int
		want        string
	}{
		{"<html><head><title>503 Service Temporarily Unavailable</title></head></html>", "text/html", 503, "503 Service Temporarily Unavailable"},
		{"<html><body><h1>Bad &amp; gateway</h1></body></html>", "text/html", 502, "Bad & gateway"},
		{"<html><body>no title</body></html>", "text/html", 502, ""},
		{"\n\n  upstream timed out  \nsecond line", "text/plain", 504, "upstream timed out"},
		{`{"whatever": 1}`, "application/json", 500, ""},
		{"", "", 404, ""},
	} {
		resp := fixture.Response(t, c.status, c.body, "Content-Type", c.ctype, "X-Amzn-Requestid", "amzn-1", "Retry-After", "3")
		e := iotapi.NewAPIError("v", resp)
		assert.Equal(t, c.want, e.Message, c.body)
		assert.Equal(t, c.status, e.StatusCode)
		assert.Equal(t, iotapi.KindForStatus(c.status), e.Kind)
		assert.Equal(t, "amzn-1", e.RequestID)
		assert.Equal(t, 3*time.Second, e.RetryAfter)
		fixture.AssertBodyIntact(t, resp, []byte(c.body))
	}
}

func TestZeroVendor_DecodesByStatus(t *testing.T) {
	var v iotapi.Vendor
	err := v.CheckResponse(fixture.Response(t, 404, `{"error":"nope"}`))
	assert.ErrorIs(t, err, iotapi.NotFound)
	assert.NoError(t, v.CheckResponse(fixture.Response(t, 204, "")))
	err = v.CheckResponse(nil)
	require.Error(t, err)
	var e *iotapi.APIError
	assert.False(t, errors.As(err, &e))
	assert.Equal(t, "iotapi: nil *http.Response", err.Error())
}
