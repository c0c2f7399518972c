package dt_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// documented returns the outcome of DT's documented body for a status.
func documented(status int, kind iotapi.Kind, msg string) fixture.Want {
	s := strconv.Itoa(status)
	return fixture.Want{Status: status, Kind: kind, Code: s, Message: msg, DocURL: "https://docs.d21s.com/error/#" + s,
		Retryable: status == 429 || status == 500 || status == 503 || status == 504}
}

var cases = map[string]fixture.Want{
	"400": documented(400, iotapi.InvalidRequest, "invalid argument: page size must be positive"),
	"401": documented(401, iotapi.Unauthenticated, "unauthorized"),
	"403": documented(403, iotapi.PermissionDenied, "forbidden"),
	"404": documented(404, iotapi.NotFound, "not found"),
	"409": documented(409, iotapi.Conflict, "already exists"),
	"429": func() fixture.Want {
		w := documented(429, iotapi.RateLimited, "too many requests")
		w.RetryAfter = 9 * time.Second
		return w
	}(),
	"500": documented(500, iotapi.ServerError, "internal error"),
	"501": func() fixture.Want {
		w := documented(501, iotapi.MethodNotAllowed, "method not allowed")
		w.Fault = iotapi.FaultClient
		return w
	}(),
	"503":                   documented(503, iotapi.Unavailable, "service unavailable"),
	"504":                   documented(504, iotapi.Unavailable, "gateway timeout"),
	"409_code_as_string":    documented(409, iotapi.Conflict, "already exists"),
	"409_byte_order_mark":   documented(409, iotapi.Conflict, "already exists"),
	"501_empty_body":        {Status: 501, Kind: iotapi.MethodNotAllowed, Fault: iotapi.FaultClient},
	"missing_fields":        {Status: 500, Kind: iotapi.ServerError, Message: "internal error", Retryable: true},
	"retry_after_http_date": {Status: 503, Kind: iotapi.Unavailable, Code: "503", Message: "service unavailable", Retryable: true, RetryAfterMin: 24 * time.Hour},
	"gzip_error_body":       {Status: 500, Kind: iotapi.ServerError, Code: "500", Message: "compressed internal error", Retryable: true},
}

func TestCheckResponse_Fixtures(t *testing.T) {
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			fixture.Check(t, dt.CheckResponse, dt.Name, name, want)
		})
	}
}

func TestCheckResponse_EveryFixtureAsserted(t *testing.T) {
	for _, name := range fixture.Names(t, dt.Name) {
		_, ok := cases[name]
		assert.Truef(t, ok, "fixture %s has no assertion", name)
	}
}

func TestCheckResponse_GzipBodyIsDecodedForTheError(t *testing.T) {
	resp, _ := fixture.Load(t, dt.Name, "gzip_error_body")
	var e *iotapi.APIError
	require.ErrorAs(t, dt.CheckResponse(resp), &e)
	assert.JSONEq(t, `{"error":"compressed internal error","code":500}`, string(e.Body))
}

func TestVendor_DocumentedMinimumWaits(t *testing.T) {
	for status, min := range map[int]time.Duration{500: time.Second, 503: time.Second, 504: 10 * time.Second} {
		r, ok := dt.Vendor.Rule(status)
		require.True(t, ok, status)
		assert.Equal(t, min, r.MinWait, status)
	}
}
