package dt_test

import (
	"strconv"
	"strings"
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
	"code_409_on_400":       {Status: 400, Kind: iotapi.InvalidRequest, Code: "409", Message: "already exists", DocURL: "https://docs.d21s.com/error/#409"},
	"409_code_as_string":    documented(409, iotapi.Conflict, "already exists"),
	"409_byte_order_mark":   documented(409, iotapi.Conflict, "already exists"),
	"501_empty_body":        {Status: 501, Kind: iotapi.MethodNotAllowed, Fault: iotapi.FaultClient},
	"missing_fields":        {Status: 500, Kind: iotapi.ServerError, Message: "internal error", Retryable: true},
	"retry_after_http_date": {Status: 503, Kind: iotapi.Unavailable, Code: "503", Message: "service unavailable", Retryable: true, RetryAfterMin: 24 * time.Hour},
	"gzip_error_body":       {Status: 500, Kind: iotapi.ServerError, Code: "500", Message: "compressed internal error", Retryable: true},

	// google.rpc.Status bodies: Code as sent, Type the gRPC code's name.
	"grpc_status_not_found": {Status: 404, Kind: iotapi.NotFound, Code: "5", Type: "NOT_FOUND", Message: "device not found",
		RequestID: "3f1c2a9e-0b7d-4d1e-9a63-5c4f1e2b7d10"},
	"grpc_status_nested_bad_request": {Status: 400, Kind: iotapi.InvalidRequest, Code: "400", Type: "INVALID_ARGUMENT",
		Message: "page size must be positive", RequestID: "c0a8012e-5f3b-4e7a-9d21-77b1e0f4aa02", DocURL: "https://docs.d21s.com/error/#400",
		Details: []iotapi.Detail{{Field: "pageSize", Message: "must be between 1 and 1000"}}},
	"grpc_status_unavailable_retry_info": {Status: 503, Kind: iotapi.Unavailable, Code: "14", Type: "UNAVAILABLE",
		Message: "upstream connect error", Retryable: true, RetryAfter: 2500 * time.Millisecond},
	"grpc_status_wrong_types": {Status: 409, Kind: iotapi.Conflict, Code: "6", Type: "ALREADY_EXISTS", Message: "label already exists",
		Details: []iotapi.Detail{{Type: "LABEL_EXISTS"}}},
}

func TestCheckResponse_Fixtures(t *testing.T) {
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			fixture.Check(t, dt.CheckResponse, dt.Name, name, want)
		})
	}
}

// partialCases are 200 responses of batch endpoints: CheckResponse says
// nil, CheckPartial lists the failed devices.
var partialCases = map[string]*iotapi.PartialError{
	"200_batch_update_partial": {Vendor: dt.Name, StatusCode: 200, RequestID: "5e0c7a1b-2d3f-4e5a-8b9c-0d1e2f3a4b5c", Failed: 2,
		Failures: []iotapi.Detail{
			{Code: "INVALID_ARGUMENT", Type: "INVALID_ARGUMENT", Field: "projects/c0md3mm0c7pet3vjwk30/devices/emuc1ng2e4b2dtq6rqa3k0g",
				Message: "Label limit reached for the device."},
			{Code: "INTERNAL_ERROR", Field: "projects/c0md3mm0c7pet3vjwk30/devices/emuc1ng2e4b2dtq6rqa3k1g",
				Message: "Timed out. Try again in a few seconds."},
		}},
	"200_transfer_partial": {Vendor: dt.Name, StatusCode: 200, Failed: 1, Failures: []iotapi.Detail{
		{Code: "NOT_FOUND", Type: "NOT_FOUND", Field: "projects/source/devices/d3", Message: "device not found"}}},
	"200_claim_partial": {Vendor: dt.Name, StatusCode: 200, Failed: 2, Failures: []iotapi.Detail{
		{Code: "ALREADY_CLAIMED", Field: "d2", Message: "The device is already claimed"},
		{Code: "NOT_FOUND", Type: "NOT_FOUND", Field: "k9", Message: "The kit does not exist"}}},
	"200_batch_update_complete": nil,
}

func TestCheckResponse_EveryFixtureAsserted(t *testing.T) {
	for _, name := range fixture.Names(t, dt.Name) {
		_, ok := cases[name]
		_, partial := partialCases[name]
		assert.Truef(t, ok || partial, "fixture %s has no assertion", name)
	}
}

func TestCheckPartial_Fixtures(t *testing.T) {
	for name, want := range partialCases {
		t.Run(name, func(t *testing.T) {
			resp, _ := fixture.Load(t, dt.Name, name)
			require.NoError(t, dt.CheckResponse(resp), "a 200 stays a success")
			fixture.CheckPartial(t, dt.CheckPartial, dt.Name, name, want)
		})
	}
}

func TestCheckPartial_OtherResponses(t *testing.T) {
	resp, _ := fixture.Load(t, dt.Name, "409")
	assert.ErrorIs(t, dt.CheckPartial(resp), iotapi.Conflict, "a non-2xx is CheckResponse's error")

	for _, body := range []string{``, `{}`, `{"devices": []}`, `{"batchErrors": null}`, `{"batchErrors": [null, 1, {}]}`, `[{"batchErrors": [1]}]`} {
		assert.NoError(t, dt.CheckPartial(fixture.Response(t, 200, body)), body)
	}
	var pe *iotapi.PartialError
	require.ErrorAs(t, dt.CheckPartial(fixture.Response(t, 200, `{"labelErrors": {"device": "projects/p/devices/d", "status": {"code": 5}}}`)), &pe,
		"any ...Errors member, one item where a list was expected, a numeric code")
	assert.Equal(t, []iotapi.Detail{{Code: "5", Type: "NOT_FOUND", Field: "projects/p/devices/d"}}, pe.Failures)

	many := `{"batchErrors": [` + strings.Repeat(`{"device": "d", "status": {"code": "NOT_FOUND"}},`, iotapi.MaxFailures+5) + `]}`
	require.ErrorAs(t, dt.CheckPartial(fixture.Response(t, 200, many)), &pe)
	assert.Len(t, pe.Failures, iotapi.MaxFailures)
	assert.Equal(t, iotapi.MaxFailures+5, pe.Failed)
	assert.Equal(t, "dt: 200 with 10005 failed items: d: NOT_FOUND (code NOT_FOUND)", pe.Error())
}

func TestCheckResponse_GzipBodyIsDecodedForTheError(t *testing.T) {
	resp, _ := fixture.Load(t, dt.Name, "gzip_error_body")
	var e *iotapi.APIError
	require.ErrorAs(t, dt.CheckResponse(resp), &e)
	assert.JSONEq(t, `{"error":"compressed internal error","code":500}`, string(e.Body))
}

func TestCheckResponse_GRPCStatus(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		body   string
		want   fixture.Want
	}{
		{"gRPC code on a status that implies no Kind", 418, `{"code": 8, "message": "quota"}`,
			fixture.Want{Kind: iotapi.RateLimited, Code: "8", Type: "RESOURCE_EXHAUSTED", Message: "quota", Retryable: true}},
		{"gRPC code disagreeing with the status: the status decides", 500, `{"code": 5, "message": "gone"}`,
			fixture.Want{Kind: iotapi.ServerError, Code: "5", Type: "NOT_FOUND", Message: "gone", Retryable: true}},
		{"UNIMPLEMENTED is DT's wrong verb", 418, `{"error": {"code": 12, "message": "use POST"}}`,
			fixture.Want{Kind: iotapi.MethodNotAllowed, Code: "12", Type: "UNIMPLEMENTED", Message: "use POST"}},
		{"the name alone, in status", 418, `{"error": {"status": "PERMISSION_DENIED", "message": "no"}}`,
			fixture.Want{Kind: iotapi.PermissionDenied, Type: "PERMISSION_DENIED", Message: "no"}},
		{"OK is not an error code", 418, `{"code": 0, "message": "?"}`,
			fixture.Want{Kind: iotapi.Unknown, Code: "0", Message: "?"}},
		{"an unknown gRPC code", 418, `{"code": 99, "message": "?"}`,
			fixture.Want{Kind: iotapi.Unknown, Code: "99", Message: "?"}},
		{"Help after help: DT's own help wins", 404, `{"error": "not found", "code": 404, "help": "https://a", "details": [{"@type": "type.googleapis.com/google.rpc.Help", "links": [{"url": "https://b"}]}]}`,
			fixture.Want{Kind: iotapi.NotFound, Code: "404", Message: "not found", DocURL: "https://a"}},
		{"RetryInfo as an object", 429, `{"code": 8, "details": [{"@type": "google.rpc.RetryInfo", "retryDelay": {"seconds": 3, "nanos": 500000000}}]}`,
			fixture.Want{Kind: iotapi.RateLimited, Code: "8", Type: "RESOURCE_EXHAUSTED", Retryable: true, RetryAfter: 3500 * time.Millisecond}},
		{"violations and resources", 400, `{"code": 9, "details": [` +
			`{"@type": "x/google.rpc.PreconditionFailure", "violations": [{"type": "TOS", "subject": "project/1", "description": "accept the terms"}]},` +
			`{"@type": "x/google.rpc.QuotaFailure", "violations": [{"subject": "project:1", "description": "daily limit"}]},` +
			`{"@type": "x/google.rpc.ResourceInfo", "resourceType": "device", "resourceName": "projects/p/devices/d", "description": "locked"},` +
			`{"@type": "x/google.rpc.LocalizedMessage", "locale": "en-US", "message": "Try later"},` +
			`{"@type": "x/google.rpc.DebugInfo", "detail": "stack"}, {"@type": "x/acme.Other", "message": "other"}, "text", 7]}`,
			fixture.Want{Kind: iotapi.InvalidRequest, Code: "9", Type: "FAILED_PRECONDITION", Details: []iotapi.Detail{
				{Type: "TOS", Field: "project/1", Message: "accept the terms"}, {Field: "project:1", Message: "daily limit"},
				{Type: "device", Field: "projects/p/devices/d", Message: "locked"}, {Message: "Try later"}, {Message: "other"}, {Message: "text"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := fixture.Response(t, c.status, c.body)
			var e *iotapi.APIError
			require.ErrorAs(t, dt.CheckResponse(resp), &e)
			got := fixture.Want{Kind: e.Kind, Code: e.Code, Type: e.Type, Message: e.Message, DocURL: e.DocURL,
				Details: e.Details, Retryable: e.Retryable, RetryAfter: e.RetryAfter}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestVendor_DocumentedMinimumWaits(t *testing.T) {
	for status, min := range map[int]time.Duration{500: time.Second, 503: time.Second, 504: 10 * time.Second} {
		r, ok := dt.Vendor.Rule(status)
		require.True(t, ok, status)
		assert.Equal(t, min, r.MinWait, status)
	}
}
