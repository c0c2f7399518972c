package endpointmgr

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/envelope"
	"github.com/iotapi/iotapi/internal/jsonx"
	"github.com/iotapi/iotapi/internal/reqid"
)

// Name is the vendor's name in APIError.Vendor.
const Name = "endpointmgr"

// Generic error codes (APIError.Code), with their error tokens in comments.
const (
	CodeBadRequest            = "1000" // BadRequest (400); outside the published table
	CodeFailed                = "1002" // Failed; outside the published table
	CodeInvalidCredentials    = "1101" // InvalidCredentials (401)
	CodeInvalidToken          = "1102" // InvalidToken (401)
	CodeTokenExpired          = "1103" // TokenExpired (401)
	CodeForbidden             = "1104" // Forbidden (403)
	CodeAuthTooManyRequests   = "1105" // TooManyRequests (429), authentication
	CodeNotFound              = "1201" // NotFound (404): {resource} with id {id} not found
	CodeInvalidQueryCriteria  = "1301" // InvalidQueryCriteria (422): search criteria {criteria} is invalid
	CodeInvalidSortCriteria   = "1302" // InvalidSortCriteria (422): sort criteria {criteria} is invalid
	CodeInputValidationFailed = "1400" // InputValidationFailed (422): errors[] lists the failures
	CodeInvalidReference      = "1401" // InvalidReference (422): invalid reference to {resource} with id {id}
	CodeRequired              = "1402" // Required (422): {Object} - {field} is required
	CodeInvalidFormat         = "1403" // InvalidFormat (422): {Object} - {field} has invalid format
	CodeOutOfRange            = "1404" // OutOfRange (422): {Object} - {field} out of range ({range})
	CodeDuplicated            = "1405" // Duplicated (409): {Object} - {field} already exists
	CodeNotAllowed            = "1406" // NotAllowed (400): {Action} not allowed
	CodeCannotBeDeleted       = "1407" // CannotBeDeleted (409): {Object} still referenced
	CodeInvalidValue          = "1408" // InvalidValue (422): {Object} - {field} is invalid: {value}
	CodeUnknownProperty       = "1409" // UnknownProperty (422): unknown property: {property}
	CodeTooManyRequests       = "1501" // TooManyRequests (429): rate limit
	CodeUnavailable           = "1601" // Unavailable (404): no {resource} available
	CodeUnknownSubscriber     = "1901" // UnknownSubscriber (404): unknown subscriber for endpoint with id {id}
	CodeUnknownLocation       = "1904" // UnknownLocation (404): unknown location for endpoint with id {id}
	CodeUnableToActivate      = "2101" // UnableToActivate (409): e.g. an endpoint with no SIM card
)

// codes is the document's table of generic codes, with the status each is
// listed under, and the two codes seen outside it that say which. A code
// refines its status (envelope.StatusFirst).
var codes = map[string]envelope.Code{
	CodeBadRequest:            {Status: 400, Kind: iotapi.InvalidRequest},
	CodeInvalidCredentials:    {Status: 401, Kind: iotapi.Unauthenticated},
	CodeInvalidToken:          {Status: 401, Kind: iotapi.Unauthenticated},
	CodeTokenExpired:          {Status: 401, Kind: iotapi.TokenExpired},
	CodeForbidden:             {Status: 403, Kind: iotapi.PermissionDenied},
	CodeAuthTooManyRequests:   {Status: 429, Kind: iotapi.RateLimited, Retryable: true},
	CodeNotFound:              {Status: 404, Kind: iotapi.NotFound},
	CodeInvalidQueryCriteria:  {Status: 422, Kind: iotapi.InvalidRequest},
	CodeInvalidSortCriteria:   {Status: 422, Kind: iotapi.InvalidRequest},
	CodeInputValidationFailed: {Status: 422, Kind: iotapi.InvalidRequest},
	CodeInvalidReference:      {Status: 422, Kind: iotapi.InvalidRequest},
	CodeRequired:              {Status: 422, Kind: iotapi.InvalidRequest},
	CodeInvalidFormat:         {Status: 422, Kind: iotapi.InvalidRequest},
	CodeOutOfRange:            {Status: 422, Kind: iotapi.InvalidRequest},
	CodeDuplicated:            {Status: 409, Kind: iotapi.Conflict},
	CodeNotAllowed:            {Status: 400, Kind: iotapi.InvalidRequest},
	CodeCannotBeDeleted:       {Status: 409, Kind: iotapi.Conflict},
	CodeInvalidValue:          {Status: 422, Kind: iotapi.InvalidRequest},
	CodeUnknownProperty:       {Status: 422, Kind: iotapi.InvalidRequest},
	CodeTooManyRequests:       {Status: 429, Kind: iotapi.RateLimited, Retryable: true},
	CodeUnavailable:           {Status: 404, Kind: iotapi.NotFound},
	CodeUnknownSubscriber:     {Status: 404, Kind: iotapi.NotFound},
	CodeUnknownLocation:       {Status: 404, Kind: iotapi.NotFound},
}

// resources names the resource of each resource-specific code range.
var resources = []struct {
	from int
	name string
}{{2100, "Endpoint"}, {2200, "SIM"}, {2300, "Service profiles"}, {2400, "Traffic limits"}, {2500, "User"}, {2600, "Tariff"}}

// Resource returns the resource a resource-specific error code (2100-2699)
// belongs to, such as "Endpoint" or "SIM", or "" for other codes.
func Resource(code string) string {
	n, err := strconv.Atoi(code)
	if err != nil || n < 2100 || n > 2699 {
		return ""
	}
	return resources[(n-2100)/100].name
}

// Vendor plugs Endpoint Manager into [iotapi.NewClient] and
// [iotapi.NewTransport].
var Vendor = iotapi.NewVendor(Name, decode)

// CheckResponse returns nil for a 2xx response and an *iotapi.APIError for
// any other. It reads at most 1 MiB of the body and puts the body back.
func CheckResponse(resp *http.Response) error { return Vendor.CheckResponse(resp) }

// requestIDHeaders are where Endpoint Manager's AWS API Gateway puts its
// request id, then the usual headers.
var requestIDHeaders = reqid.NewList("X-Amzn-Requestid", "X-Amz-Apigw-Id").Then(reqid.Default)

func decode(e *iotapi.APIError) {
	if id := requestIDHeaders.Find(e.Header); id != "" {
		e.RequestID = id
	}
	// The gateway names its error in a header: "UnauthorizedException" or
	// "UnauthorizedException:http://…".
	if t := e.Header.Get("X-Amzn-Errortype"); t != "" {
		e.Type, _, _ = strings.Cut(t, ":")
	}
	body, err := jsonx.Parse(e.Body)
	if err != nil || body.Kind() != jsonx.KindObject {
		return
	}
	var code, token, message, description, errs jsonx.Value
	for k, v := range body.Members() {
		switch {
		case k.Is("error_code"):
			code = v
		case k.Is("error_token"):
			token = v
		case k.Is("message"):
			message = v
		case k.Is("description"):
			description = v
		case k.Is("errors"):
			errs = v
		}
	}
	envelope.Set(&e.Code, code)
	envelope.Set(&e.Type, token)
	e.Message = message.Text()
	if d := description.Text(); d != "" && d != e.Message {
		if e.Message == "" {
			e.Message = d
		} else {
			e.Message = strings.TrimRight(e.Message, ". ") + ": " + d
		}
	}
	e.Details = envelope.Details(errs)
	if c, ok := codes[e.Code]; ok {
		envelope.StatusFirst.Apply(e, c)
	}
}
