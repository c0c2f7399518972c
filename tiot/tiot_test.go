package tiot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/tiot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var cases = map[string]fixture.Want{
	"400_bad_request": {Status: 400, Kind: iotapi.InvalidRequest, Type: tiot.TitleBadRequest, Message: "pageSize and pageNumber must be valid numbers"},
	"400_missing_or_malformed": {Status: 400, Kind: iotapi.InvalidRequest, Type: tiot.TitleMissingOrMalformed, Message: "The submitted POST body failed input validation.",
		Details: []iotapi.Detail{{Field: "imsi", Message: "must not be empty"}, {Field: "status", Message: "must be one of ACTIVE, SUSPENDED"}}},
	"400_invalid_action":        {Status: 400, Kind: iotapi.InvalidRequest, Type: tiot.TitleInvalidAction, Message: "The action requested was not valid for this resource."},
	"401_unauthorized":          {Status: 401, Kind: iotapi.Unauthenticated, Type: "Unauthorized", Message: "Authentication information is missing or invalid."},
	"403_forbidden":             {Status: 403, Kind: iotapi.PermissionDenied, Type: "Forbidden", Message: "Not enough permissions."},
	"404_not_found":             {Status: 404, Kind: iotapi.NotFound, Type: "Not Found", Message: "No data could be found by this request and its parameters."},
	"429_too_many_requests":     {Status: 429, Kind: iotapi.RateLimited, Type: "Too Many Requests", Message: "Try a new request after 1 hour.", Retryable: true, RetryAfter: time.Hour},
	"429_with_retry_after":      {Status: 429, Kind: iotapi.RateLimited, Type: "Too Many Requests", Message: "Slow down.", Retryable: true, RetryAfter: 120 * time.Second},
	"500_internal_server_error": {Status: 500, Kind: iotapi.ServerError, Type: "Internal Server Error", Message: "Backend platform timeout.", Retryable: true, Fault: iotapi.FaultEither},
	"problem_json_422": {Status: 422, Kind: iotapi.InvalidRequest, Type: "Unprocessable Entity", Message: "2 validation errors",
		DocURL: "https://iot.example-hub.de/problems/validation", RequestID: "00-abc-01",
		Details: []iotapi.Detail{{Message: "iccid is invalid"}, {Message: "name is too long"}}},
	"oauth_style_401":  {Status: 401, Kind: iotapi.Unauthenticated, Type: "invalid_token", Message: "The access token expired"},
	"html_500":         {Status: 500, Kind: iotapi.ServerError, Message: "Error 500 – Backend Unavailable", Retryable: true, Fault: iotapi.FaultEither},
	"plain_text_404":   {Status: 404, Kind: iotapi.NotFound, Message: "Not Found"},
	"message_only_502": {Status: 502, Kind: iotapi.Unavailable, Message: "Bad gateway", Retryable: true},

	// Request ids: the body's, else the most specific gateway header.
	"401_gateway_request_ids": {Status: 401, Kind: iotapi.Unauthenticated, Type: "Unauthorized", Message: "The access token expired.",
		RequestID: "8f2c1e0a9b7d4c3e#1042"},
	"404_kong_request_id_and_traceparent": {Status: 404, Kind: iotapi.NotFound, Type: "Not Found",
		Message: "No connectivity product with id JASPER-8997000000000000745.", RequestID: "1c9a6e0b2f4d4e3a8b7c6d5e4f3a2b1c"},
	"500_traceparent_only": {Status: 500, Kind: iotapi.ServerError, Type: "Internal Server Error", Message: "Backend platform timeout.",
		RequestID: "0af7651916cd43dd8448eb211c80319c", Retryable: true, Fault: iotapi.FaultEither},
	"422_body_trace_id_and_headers": {Status: 422, Kind: iotapi.InvalidRequest, Type: "Unprocessable Entity",
		Message: "status must be one of ACTIVE, SUSPENDED", RequestID: "b7e1c0f2-6d5a-4e3b-9c8d-7f6e5d4c3b2a"},
}

func TestCheckResponse_Fixtures(t *testing.T) {
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			fixture.Check(t, tiot.CheckResponse, tiot.Name, name, want)
		})
	}
}

// partialCases are 200 responses: CheckResponse says nil, CheckPartial
// lists the failed items.
var partialCases = map[string]*iotapi.PartialError{
	"200_multi_item_partial": {Vendor: tiot.Name, StatusCode: 200, RequestID: "6c1f0e9d8b7a4c5d#3310", Failed: 2,
		Failures: []iotapi.Detail{
			{Code: "404", Type: "Not Found", Field: "JASPER-8997000000000000746", Message: "No connectivity product with this id."},
			{Code: "400", Type: tiot.TitleInvalidAction, Field: "JASPER-8997000000000000747", Message: "The product cannot change from DEACTIVATED to ACTIVE."},
		}},
	"200_multi_item_complete": nil,
}

func TestCheckResponse_EveryFixtureAsserted(t *testing.T) {
	for _, name := range fixture.Names(t, tiot.Name) {
		_, ok := cases[name]
		_, partial := partialCases[name]
		assert.Truef(t, ok || partial || name == "empty_200", "fixture %s has no assertion", name)
	}
}

func TestCheckPartial_Fixtures(t *testing.T) {
	for name, want := range partialCases {
		t.Run(name, func(t *testing.T) {
			resp, _ := fixture.Load(t, tiot.Name, name)
			require.NoError(t, tiot.CheckResponse(resp), "a 200 stays a success")
			fixture.CheckPartial(t, tiot.CheckPartial, tiot.Name, name, want)
		})
	}
}

func TestCheckPartial_OtherResponses(t *testing.T) {
	resp, _ := fixture.Load(t, tiot.Name, "404_not_found")
	var e *iotapi.APIError
	require.ErrorAs(t, tiot.CheckPartial(resp), &e, "a non-2xx is CheckResponse's error")
	assert.Equal(t, iotapi.NotFound, e.Kind)

	for _, body := range []string{``, `[{"id": 1}]`, `<html>ok</html>`, `{"errors": null}`, `{"errors": [null, 7, {}]}`, `{"errors": "one problem"`} {
		assert.NoError(t, tiot.CheckPartial(fixture.Response(t, 200, body)), body)
	}
	err := tiot.CheckPartial(fixture.Response(t, 207, `{"errors": "one problem"}`))
	var pe *iotapi.PartialError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, []iotapi.Detail{{Message: "one problem"}}, pe.Failures)
	assert.Equal(t, "tiot: 207 with 1 failed item: one problem", err.Error())

	huge := `{"errors": ["x"], "pad": "` + strings.Repeat("a", iotapi.BodyLimit) + `"}`
	resp = fixture.Response(t, 200, huge)
	assert.ErrorIs(t, tiot.CheckPartial(resp), iotapi.ErrBodyTooLarge, "cannot say there are no failures it did not read")
	fixture.AssertBodyIntact(t, resp, []byte(huge))
}

func TestCheckResponse_500MayBeClientError(t *testing.T) {
	resp, _ := fixture.Load(t, tiot.Name, "500_internal_server_error")
	err := tiot.CheckResponse(resp)
	assert.True(t, tiot.MaybeClientError(err))
	assert.Equal(t, "tiot: 500 backend platform timeout (may be caused by the request or credentials)", err.Error())

	resp, _ = fixture.Load(t, tiot.Name, "message_only_502")
	assert.False(t, tiot.MaybeClientError(tiot.CheckResponse(resp)))
	assert.False(t, tiot.MaybeClientError(nil))
}

func TestVendor_RetriesPossiblyClientCaused500Once(t *testing.T) {
	r, ok := tiot.Vendor.Rule(500)
	require.True(t, ok)
	assert.Equal(t, 1, r.MaxRetries)
}

func TestCheckResponse_Empty200(t *testing.T) {
	t.Run("default vendor: success", func(t *testing.T) {
		resp, body := fixture.Load(t, tiot.Name, "empty_200")
		assert.NoError(t, tiot.CheckResponse(resp))
		fixture.AssertBodyIntact(t, resp, body)
	})
	t.Run("EmptyOKAsError", func(t *testing.T) {
		strict := tiot.NewVendor(tiot.EmptyOKAsError())
		e := fixture.Check(t, strict.CheckResponse, tiot.Name, "empty_200", fixture.Want{
			Status: 200, Kind: iotapi.InvalidRequest, Fault: iotapi.FaultClient,
			Message: "empty response body: T IoT answers 200 with no body when a filter is invalid"})
		assert.ErrorIs(t, e, iotapi.InvalidRequest)
	})
	t.Run("EmptyOKAsError keeps a non-empty 200", func(t *testing.T) {
		strict := tiot.NewVendor(tiot.EmptyOKAsError())
		resp := fixture.Response(t, 200, `[{"id":1}]`)
		resp.ContentLength = -1 // as with a chunked response: the body must be peeked
		require.NoError(t, strict.CheckResponse(resp))
		fixture.AssertBodyIntact(t, resp, []byte(`[{"id":1}]`))
	})
}
