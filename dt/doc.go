// Package dt decodes errors of the DT sensor cloud REST API into
// [iotapi.APIError] and plugs its retry rules into the iotapi client.
//
// A DT error is {"error": "already exists", "code": 409, "help": "https://…"},
// though the document warns the fields may vary; code is the HTTP status, as
// a number (older pages show it as a string; both are read). Gateways in
// front of DT's gRPC services answer with a google.rpc.Status instead:
// {"code": 5, "message": "…", "details": [...]}, where code is a gRPC status
// code, or the same nested under "error" with code the HTTP status and
// "status" the gRPC code's name ({"error": {"code": 404, "status":
// "NOT_FOUND", …}}). Both shapes are read.
//
// # Mapping
//
// Precedence: the status decides. DT's codes are HTTP statuses, so a code
// cannot refine its status; it decides the Kind only when the status
// implies none by itself (a 418), and on any other status that disagrees
// the status's Kind stands (a code 409 on a 400 is InvalidRequest). A gRPC
// code counts as the HTTP status gateways map it to (NOT_FOUND as 404,
// UNAVAILABLE as 503, UNIMPLEMENTED as 501, RESOURCE_EXHAUSTED as 429, …).
// Code and Type keep the vendor's values either way.
//
//	status  Kind              Retryable  retry rule
//	400     InvalidRequest    no
//	401     Unauthenticated   no         access tokens last one hour
//	403     PermissionDenied  no
//	404     NotFound          no         a resource read right after its creation can 404 for about a second
//	409     Conflict          no         read the resource again, reapply, then retry yourself
//	429     RateLimited       yes        75 requests per 10 s; wait Retry-After
//	500     ServerError       yes        wait at least 1 s
//	501     MethodNotAllowed  no         DT uses 501 for a wrong HTTP verb
//	503     Unavailable       yes        wait at least 1 s
//	504     Unavailable       yes        wait at least 10 s
//
// Fields of DT's own body: error → Message, code → Code (as text: "409"),
// help → DocURL.
//
// Fields of a google.rpc.Status: message → Message; code → Code as sent
// (the gRPC code's number, "5", or in the nested form the HTTP status);
// the gRPC code's name → Type ("NOT_FOUND", from "status" or from a
// numeric code); details: the first link of a google.rpc.Help → DocURL
// (when there is no help field), google.rpc.RequestInfo's requestId →
// RequestID, google.rpc.RetryInfo's retryDelay → RetryAfter (when longer
// than Retry-After's), and BadRequest field violations, PreconditionFailure
// and QuotaFailure violations, ErrorInfo's reason, ResourceInfo and
// LocalizedMessage → Details. DebugInfo is not copied out of the body.
//
// RequestID: a google.rpc.RequestInfo's requestId when the body has one,
// else the first of the response headers X-Request-Id, Request-Id, …
// X-Correlation-Id, then a W3C traceparent's trace id. DT's document and
// its official client name no request-id header.
//
// The waits are floors: no WithBackoff setting of the retry client goes
// below them.
//
// # Failures inside a successful response
//
// DT's batch endpoints (devices:batchUpdate, devices:transfer,
// devices:claim) answer 200 when some devices failed, listing them beside
// the ones that did not (batchErrors, transferErrors, claimErrors).
// [CheckResponse] returns nil for them, as for any 2xx, and the retry
// client does not resend them; [CheckPartial] returns them as an
// *iotapi.PartialError.
package dt
