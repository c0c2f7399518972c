// Package telemax decodes errors of the Telemax vehicle telematics API into
// [iotapi.APIError] and plugs its retry rules into the iotapi client.
//
// Every Telemax error is {"type", "code", "description", "requestId",
// "docUrl"}. V1 responses may omit requestId (a request-id header fills it
// when present); V1 and V2 use different code vocabularies, and types and
// codes this package does not know are kept verbatim in Type and Code.
//
// # Mapping
//
// Precedence: a code refines its status. The document lists each code
// under the status it comes with, so a code in the table decides Kind and
// Retryable on that status (TOKEN_EXPIRED on a 401 is TokenExpired) and on
// a status that implies no Kind by itself (a 418); on another status the
// status decides (TOKEN_EXPIRED on a 403 is PermissionDenied). A code the
// table does not list is settled the same way by its type. Type and Code
// keep the vendor's values either way.
//
//	code                   HTTP  Kind              Retryable
//	TOKEN_EXPIRED          401   TokenExpired      no (refresh the token)
//	TOKEN_MALFORMED        401   Unauthenticated   no
//	TOKEN_MISSING          401   Unauthenticated   no
//	INVALID_CREDENTIALS    401   Unauthenticated   no   (V2)
//	INVALID_SCOPE          403   PermissionDenied  no   (V2)
//	COMPANY_ACCESS_DENIED  403   PermissionDenied  no
//	VEHICLE_ACCESS_DENIED  403   PermissionDenied  no
//	VEHICLE_NOT_FOUND      404   NotFound          no
//	COMPANY_NOT_FOUND      404   NotFound          no
//	IMEI_NOT_FOUND         404   NotFound          no
//	INVALID_DATE_FORMAT    422   InvalidRequest    no
//	INVALID_ID             422   InvalidRequest    no
//	INVALID_PARAMETER      422   InvalidRequest    no
//	TOO_MANY_REQUESTS      429   RateLimited       yes (V2 only; wait Retry-After)
//	INTERNAL_ERROR         500   ServerError       yes
//
//	type              HTTP  Kind, for a code not in the table
//	AUTHENTICATION    401   Unauthenticated
//	AUTHORIZATION     403   PermissionDenied
//	RESOURCE          404   NotFound
//	VALIDATION_ERROR  422   InvalidRequest
//	RATE_LIMIT        429   RateLimited (retryable)
//	SERVER_ERROR      500   ServerError (retryable)
//
// Retryable statuses, as the document lists them: 429, 500 and 503 (plus
// 502 and 504, which gateways send). Fields: type → Type, code → Code,
// description → Message, requestId → RequestID, docUrl → DocURL. Without
// a requestId (V1), RequestID comes from the first of the response headers
// X-Request-Id, Request-Id, … X-Correlation-Id, then a W3C traceparent's
// trace id.
//
// The retry layer honors the document's 429 rule: after the first 429 wait
// Retry-After seconds, then double the wait on each further 429 in a row, up
// to 60 seconds.
package telemax
