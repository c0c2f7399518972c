// Package endpointmgr decodes errors of the Endpoint Manager IoT
// connectivity API into [iotapi.APIError] and plugs it into the iotapi
// client.
//
// An Endpoint Manager error is {"error_code", "error_token", "message",
// "errors": [...], "description"}. Nested errors become Details; a
// description (resource-specific errors carry one, "No SIM.") is appended to
// Message, where a user reads it. The API gateway in front answers 401s
// itself with {"message": "..."}, an x-amzn-ErrorType header (its name part
// becomes Type) and x-amzn-RequestId. RequestID is the API Gateway's
// x-amzn-RequestId, else its x-amz-apigw-id, else X-Request-Id and the other
// usual headers, then the Root of X-Amzn-Trace-Id; the body carries no id.
// The document's own example has a trailing comma; it decodes.
//
// # Mapping
//
// Precedence: a code refines its status. The document gives each code the
// status it comes with, and only the status tells apart what one code means
// on two statuses: 1401 InvalidReference is a 422 for a bad reference in
// the request body, but PATCH /endpoint/-1 answers it on a 404 because the
// endpoint in the path does not exist. So a code in the table decides Kind
// and Retryable on its own status (1103 on a 401 is TokenExpired, 1601 on a
// 404 NotFound) and on a status that implies no Kind by itself (a 418); on
// any other status the status decides (1401 on a 404 is NotFound). Other
// codes, and bodies without one, leave the status's Kind. Code and Type
// keep the vendor's values either way. Retryable: the rate-limit codes on
// their status, and 429, 500, 502, 503 and 504 whatever the code.
//
//	code  HTTP  token                 Kind
//	1000  400   BadRequest            InvalidRequest (seen outside the table)
//	1002  -     Failed                by status (seen outside the table)
//	1101  401   InvalidCredentials    Unauthenticated
//	1102  401   InvalidToken          Unauthenticated
//	1103  401   TokenExpired          TokenExpired
//	1104  403   Forbidden             PermissionDenied
//	1105  429   TooManyRequests       RateLimited (retryable)
//	1201  404   NotFound              NotFound
//	1301  422   InvalidQueryCriteria  InvalidRequest
//	1302  422   InvalidSortCriteria   InvalidRequest
//	1400  422   InputValidationFailed InvalidRequest (errors[] lists the failures)
//	1401  422   InvalidReference      InvalidRequest
//	1402  422   Required              InvalidRequest
//	1403  422   InvalidFormat         InvalidRequest
//	1404  422   OutOfRange            InvalidRequest
//	1405  409   Duplicated            Conflict
//	1406  400   NotAllowed            InvalidRequest
//	1407  409   CannotBeDeleted       Conflict
//	1408  422   InvalidValue          InvalidRequest
//	1409  422   UnknownProperty       InvalidRequest
//	1501  429   TooManyRequests       RateLimited (retryable)
//	1601  404   Unavailable           NotFound
//	1901  404   UnknownSubscriber     NotFound
//	1904  404   UnknownLocation       NotFound
//	2100-2699   resource-specific     by status (mostly 409 Conflict); see [Resource]
//
// Retry-After is not promised on 429s; without it the retry client backs
// off exponentially.
package endpointmgr
