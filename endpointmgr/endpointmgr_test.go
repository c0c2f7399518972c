package endpointmgr_test

import (
	"testing"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/stretchr/testify/assert"
)

// table returns the outcome of a generic error from the document's table.
func table(status int, kind iotapi.Kind, code, token, msg string) fixture.Want {
	return fixture.Want{Status: status, Kind: kind, Code: code, Type: token, Message: msg, Retryable: status == 429 || status >= 500}
}

var cases = map[string]fixture.Want{
	"1101_invalidcredentials":         table(401, iotapi.Unauthenticated, "1101", "InvalidCredentials", "Invalid credentials."),
	"1102_invalidtoken":               table(401, iotapi.Unauthenticated, "1102", "InvalidToken", "Invalid token."),
	"1103_tokenexpired":               table(401, iotapi.TokenExpired, "1103", "TokenExpired", "Token expired."),
	"1104_forbidden":                  table(403, iotapi.PermissionDenied, "1104", "Forbidden", "You do not have the necessary permissions to access this entry point. Please contact your administrator."),
	"1105_toomanyrequests":            table(429, iotapi.RateLimited, "1105", "TooManyRequests", "Too many authentication requests."),
	"1201_notfound":                   table(404, iotapi.NotFound, "1201", "NotFound", "Endpoint with id 7 not found"),
	"1301_invalidquerycriteria":       table(422, iotapi.InvalidRequest, "1301", "InvalidQueryCriteria", "Search criteria name=~ is invalid"),
	"1302_invalidsortcriteria":        table(422, iotapi.InvalidRequest, "1302", "InvalidSortCriteria", "Sort criteria -foo is invalid"),
	"1401_invalidreference":           table(422, iotapi.InvalidRequest, "1401", "InvalidReference", "Invalid reference to tariff_profile with id 99"),
	"1402_required":                   table(422, iotapi.InvalidRequest, "1402", "Required", "User - organisation is required."),
	"1403_invalidformat":              table(422, iotapi.InvalidRequest, "1403", "InvalidFormat", "User - Username has invalid format: expecting String."),
	"1404_outofrange":                 table(422, iotapi.InvalidRequest, "1404", "OutOfRange", "Endpoint - ip_address out of range (10.0.0.0/8)"),
	"1405_duplicated":                 table(409, iotapi.Conflict, "1405", "Duplicated", "Endpoint - name already exists"),
	"1407_cannotbedeleted":            table(409, iotapi.Conflict, "1407", "CannotBeDeleted", "Service profile still referenced"),
	"1408_invalidvalue":               table(422, iotapi.InvalidRequest, "1408", "InvalidValue", "Endpoint - status is invalid: 9"),
	"1409_unknownproperty":            table(422, iotapi.InvalidRequest, "1409", "UnknownProperty", "Unknown Property: colour"),
	"1501_toomanyrequests":            table(429, iotapi.RateLimited, "1501", "TooManyRequests", "Too many requests"),
	"1601_unavailable":                table(404, iotapi.NotFound, "1601", "Unavailable", "No IP address available"),
	"1901_unknownsubscriber":          table(404, iotapi.NotFound, "1901", "UnknownSubscriber", "Unknown Subscriber for Endpoint with id 7"),
	"1904_unknownlocation":            table(404, iotapi.NotFound, "1904", "UnknownLocation", "Unknown Location for Endpoint with id 7"),
	"doc_example_1104":                table(403, iotapi.PermissionDenied, "1104", "Forbidden", "You do not have the necessary permissions to access this entry point. Please contact your administrator."),
	"doc_example_1406_trailing_comma": table(400, iotapi.InvalidRequest, "1406", "NotAllowed", "Updating of own organisation not allowed."),
	"doc_example_1400_nested": func() fixture.Want {
		w := table(422, iotapi.InvalidRequest, "1400", "InputValidationFailed", "Input validation failed")
		w.Details = []iotapi.Detail{
			{Code: "1403", Type: "InvalidFormat", Message: "User - Username has invalid format: expecting String."},
			{Code: "1402", Type: "Required", Message: "User - organisation is required."},
		}
		return w
	}(),
	"doc_example_2101_description": table(409, iotapi.Conflict, "2101", "UnableToActivate", "Unable to activate: No SIM."),
	"gateway_401": {Status: 401, Kind: iotapi.Unauthenticated, Type: "UnauthorizedException", Message: "Unauthorized",
		RequestID: "7a3c9f2e-1b2d-4c5e-8f90-123456789abc"},
	"code_1000_outside_table":            table(400, iotapi.InvalidRequest, "1000", "BadRequest", "Bad request"),
	"code_1002_outside_table":            table(500, iotapi.ServerError, "1002", "Failed", "Operation failed"),
	"code_1401_on_404":                   table(404, iotapi.NotFound, "1401", "InvalidReference", "Invalid reference to sim with id 5"),
	"1401_on_404_patch_unknown_endpoint": table(404, iotapi.NotFound, "1401", "InvalidReference", "Endpoint with Id '-1' not found."),
	"code_as_float":                      table(401, iotapi.TokenExpired, "1103", "TokenExpired", "Token expired"),
	"unknown_resource_code":              table(409, iotapi.Conflict, "2205", "SimAlreadyAssigned", "SIM already assigned"),
	"rate_limited_no_retry_after":        table(429, iotapi.RateLimited, "1501", "TooManyRequests", "Too many requests"),
	"1201_api_gateway_request_ids": func() fixture.Want {
		w := table(404, iotapi.NotFound, "1201", "NotFound", "Endpoint with id 7 not found")
		w.RequestID = "9b2f6c1e-4d3a-4f5b-8e7c-6a5b4c3d2e1f"
		return w
	}(),
	"errors_wrong_types": func() fixture.Want {
		w := table(422, iotapi.InvalidRequest, "1400", "InputValidationFailed", "Input validation failed")
		w.Details = []iotapi.Detail{{Message: "plain string"}, {Code: "1402", Field: "name", Message: "name is required"}}
		return w
	}(),
}

func TestCheckResponse_Fixtures(t *testing.T) {
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			fixture.Check(t, endpointmgr.CheckResponse, endpointmgr.Name, name, want)
		})
	}
}

func TestCheckResponse_EveryFixtureAsserted(t *testing.T) {
	for _, name := range fixture.Names(t, endpointmgr.Name) {
		_, ok := cases[name]
		assert.Truef(t, ok, "fixture %s has no assertion", name)
	}
}

func TestCheckResponse_DescriptionInErrorLine(t *testing.T) {
	resp, _ := fixture.Load(t, endpointmgr.Name, "doc_example_2101_description")
	err := endpointmgr.CheckResponse(resp)
	assert.Equal(t, "endpointmgr: 409 unable to activate: No SIM (code 2101)", err.Error())
	assert.ErrorIs(t, err, iotapi.Conflict)
}

func TestResource(t *testing.T) {
	for code, want := range map[string]string{"2101": "Endpoint", "2299": "SIM", "2300": "Service profiles", "2450": "Traffic limits",
		"2500": "User", "2699": "Tariff", "2700": "", "2099": "", "1103": "", "abc": "", "": ""} {
		assert.Equal(t, want, endpointmgr.Resource(code), code)
	}
}
