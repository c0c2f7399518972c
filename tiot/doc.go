// Package tiot decodes errors of the T IoT Hub APIs into [iotapi.APIError]
// and plugs its retry rules into the iotapi client.
//
// T IoT's error body depends on the backend platform behind the hub. This
// package reads RFC 9457 problem details (type, title, status, detail,
// instance, errors), the plain {title, detail, errors} form, OAuth-style
// {error, error_description} and {message} bodies, and bodies that are not
// JSON at all (then Message is the page title or first line of text).
//
// # Mapping
//
// Precedence: the status decides, always. T IoT documents no code
// vocabulary of its own ("every error has an HTTP status code and,
// depending on the supported backend, will return an error type and brief
// explanation"); a code a backend puts in the body is kept in Code, and a
// title in Type, whatever status carried them.
//
//	status  Kind              Retryable  notes
//	400     InvalidRequest    no         title says which: "Bad Request", "Missing or malformed parameter", "Invalid Action"
//	401     Unauthenticated   no         access tokens expire every 5 minutes
//	403     PermissionDenied  no
//	404     NotFound          no
//	429     RateLimited       yes        "try a new request after 1 hour": RetryAfter is 1 h when no Retry-After header says otherwise
//	500     ServerError       yes, once  Fault is FaultEither (see below)
//	502-504 Unavailable       yes
//
// Fields: title → Type, detail (else message, error_description, error) →
// Message, errors[] → Details, code → Code, problem type URI → DocURL, and
// requestId, traceId or correlationId → RequestID. Without one in the body,
// RequestID comes from the hub's gateway headers, most specific first:
// x-tardis-traceid (the TARDIS gateway's trace id, which follows the request
// through every gateway component), x-kong-request-id, then X-Request-Id
// and the other usual ones, then a W3C traceparent's trace id.
//
// # 500s that may be the request's fault
//
// The document warns that some backend platforms answer 500 when the request
// is invalid or the credentials are invalid or expired. A T IoT 500 is
// therefore decoded with Fault set to [iotapi.FaultEither], its Error text
// says "may be caused by the request or credentials", and the retry client
// retries it at most once: a second 500 is more likely the request than the
// server. [MaybeClientError] reports it.
//
// # Empty 200 responses
//
// T IoT answers HTTP 200 with an empty body when a filter is invalid. The
// default [Vendor] treats that as success, as HTTP says; a Vendor from
// NewVendor(EmptyOKAsError()) turns it into an *APIError with Kind
// InvalidRequest.
//
// # Failures inside a successful response
//
// T IoT answers some multi-item operations with 200 and an "errors" list of
// problem objects for the items that failed, beside the items that
// succeeded. [CheckResponse] returns nil for them, as for any 2xx, and the
// retry client does not resend them; [CheckPartial] returns them as an
// *iotapi.PartialError.
//
// Because the default 429 wait (1 h) exceeds the retry client's
// WithMaxRetryAfter (60 s), a T IoT 429 is returned at once with RetryAfter
// set, for the caller to schedule.
package tiot
