package tiot

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/envelope"
	"github.com/iotapi/iotapi/internal/httpbody"
	"github.com/iotapi/iotapi/internal/jsonx"
	"github.com/iotapi/iotapi/internal/reqid"
)

// Name is the vendor's name in APIError.Vendor.
const Name = "tiot"

// Titles the document names for 400 responses (APIError.Type).
const (
	TitleBadRequest         = "Bad Request"                    // generic: the request could not be processed
	TitleMissingOrMalformed = "Missing or malformed parameter" // the POST body failed input validation; see Details
	TitleInvalidAction      = "Invalid Action"                 // the action is not valid for this resource
)

// RateLimitWait is the document's wait after a 429 ("try a new request after
// 1 hour"), used as RetryAfter when no Retry-After header says otherwise.
const RateLimitWait = time.Hour

const (
	emptyOKMessage          = "empty response body: T IoT answers 200 with no body when a filter is invalid"
	maybeClientFaultRetries = 1 // a 500 that may be the request's fault is retried once
)

// An Option configures a Vendor built by [NewVendor].
type Option func(*options)

type options struct{ emptyOKAsError bool }

// EmptyOKAsError makes an HTTP 200 response with an empty body an
// *iotapi.APIError with Kind InvalidRequest: T IoT's answer to an invalid
// filter (a value with special characters, trailing white space, or not a
// string).
func EmptyOKAsError() Option { return func(o *options) { o.emptyOKAsError = true } }

// NewVendor returns a T IoT Vendor with the given options.
func NewVendor(opts ...Option) iotapi.Vendor {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	vopts := []iotapi.VendorOption{iotapi.WithRetryRules(
		iotapi.RetryRule{Status: http.StatusInternalServerError, MaxRetries: maybeClientFaultRetries},
	)}
	if o.emptyOKAsError {
		vopts = append(vopts, iotapi.WithSuccessCheck(checkEmptyOK))
	}
	return iotapi.NewVendor(Name, decode, vopts...)
}

// Vendor plugs T IoT into [iotapi.NewClient] and [iotapi.NewTransport]. It
// treats an empty 200 as success; see [NewVendor] and [EmptyOKAsError].
var Vendor = NewVendor()

// CheckResponse returns nil for a 2xx response and an *iotapi.APIError for
// any other. It reads at most 1 MiB of the body and puts the body back.
func CheckResponse(resp *http.Response) error { return Vendor.CheckResponse(resp) }

// MaybeClientError reports whether err holds a T IoT 500 that the
// document says may be caused by an invalid request or invalid or expired
// credentials.
func MaybeClientError(err error) bool {
	var e *iotapi.APIError
	return errors.As(err, &e) && e.Vendor == Name && e.Fault == iotapi.FaultEither
}

// requestIDHeaders are where T IoT's gateways put a request id, most
// specific first: the TARDIS gateway's trace id, which follows the request
// through every gateway component; Kong's request id; then the usual ones.
var requestIDHeaders = reqid.NewList("X-Tardis-Traceid", "X-Kong-Request-Id").Then(reqid.Default)

func decode(e *iotapi.APIError) {
	if id := requestIDHeaders.Find(e.Header); id != "" {
		e.RequestID = id
	}
	switch e.StatusCode {
	case http.StatusInternalServerError:
		e.Fault = iotapi.FaultEither
	case http.StatusTooManyRequests:
		if e.RetryAfter == 0 {
			e.RetryAfter = RateLimitWait
		}
	}
	body, err := jsonx.Parse(e.Body)
	if err != nil || body.Kind() != jsonx.KindObject {
		return
	}
	var typ, title, detail, message, errText, errDesc, code, errs, requestID, traceID, correlationID jsonx.Value
	for k, v := range body.Members() {
		switch {
		case k.Is("type"):
			typ = v
		case k.Is("title"):
			title = v
		case k.Is("detail"):
			detail = v
		case k.Is("message"):
			message = v
		case k.Is("error"):
			errText = v
		case k.Is("error_description"):
			errDesc = v
		case k.Is("code"):
			code = v
		case k.Is("errors"):
			errs = v
		case k.Is("requestId"):
			requestID = v
		case k.Is("traceId"):
			traceID = v
		case k.Is("correlationId"):
			correlationID = v
		}
	}
	e.Type = envelope.First(title, errText)
	e.Message = envelope.First(detail, message, errDesc)
	if e.Message == "" && title.Text() != "" {
		e.Message = errText.Text()
	}
	envelope.Set(&e.Code, code)
	if t := typ.Text(); strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://") {
		e.DocURL = t
	}
	if id := envelope.First(requestID, traceID, correlationID); id != "" {
		e.RequestID = id
	}
	e.Details = envelope.Details(errs)
}

// checkEmptyOK turns a 200 with an empty body into an *iotapi.APIError.
func checkEmptyOK(resp *http.Response) error {
	if resp.StatusCode != http.StatusOK || (resp.Request != nil && resp.Request.Method == http.MethodHead) {
		return nil
	}
	if resp.ContentLength > 0 || len(httpbody.Capture(resp, 1)) > 0 {
		return nil
	}
	e := iotapi.NewAPIError(Name, resp)
	e.Kind, e.Fault, e.Message = iotapi.InvalidRequest, iotapi.FaultClient, emptyOKMessage
	return e
}
