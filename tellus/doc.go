// Package tellus decodes errors of the Tellus Open Platform (EV charging) API
// into [iotapi.APIError] and plugs its retry rules into the iotapi client.
//
// Every Tellus response, successful or not, is the envelope
// {"code": int, "message": string, "details": {...}, "data": ...}; code 0 is
// success and the HTTP status mirrors the code. [CheckResponse] decodes
// non-2xx responses; [DecodeData] also turns a 2xx response whose envelope
// carries a non-zero code into an *APIError, and otherwise returns data.
//
// # Mapping
//
// Precedence: the code decides. Tellus's document calls code "the canonical
// machine-readable identifier. Use it for branching logic", so a code in
// the table sets Kind and Retryable (and Fault, from the code's documented
// status) whatever HTTP status carried it: 3001 on a 500 is NotFound and
// not retryable. A code the table does not list, and a body without one,
// leave the status's Kind. Code keeps the vendor's value either way.
//
//	code  HTTP  Kind              Retryable  constant
//	1001  400   InvalidRequest    no         CodeInvalidParameter
//	1002  400   InvalidRequest    no         CodeMissingParameter
//	2001  401   Unauthenticated   no         CodeUnauthenticated (one token refresh, then surface)
//	2002  401   TokenExpired      no         CodeTokenExpired (refresh the token, then retry)
//	2003  403   PermissionDenied  no         CodePermissionDenied
//	3001  404   NotFound          no         CodeNotFound
//	4001  409   Conflict          no         CodeConflict
//	5001  429   RateLimited       yes        CodeTooManyRequests
//	9001  500   ServerError       yes        CodeInternalError
//
// Fields: code → Code, message → Message, details.field → a [iotapi.Detail]
// with Field set, details.retry_after_seconds → RetryAfter (the larger of it
// and a Retry-After header). Tellus's document names no request id: a
// request_id in the body, else the first of the response headers
// X-Request-Id, Request-Id, X-Amzn-Requestid, … X-Correlation-Id, then a
// W3C traceparent's trace id, fills RequestID.
//
// The retry layer retries 5001 and 9001 with jittered exponential backoff,
// honoring Retry-After and the body hint. A 2002 is not retried with the same
// token: it is Retryable only after a token refresh.
package tellus
