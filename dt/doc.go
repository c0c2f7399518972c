// Package dt decodes errors of the DT sensor cloud REST API into
// [iotapi.APIError] and plugs its retry rules into the iotapi client.
//
// A DT error is {"error": "already exists", "code": 409, "help": "https://…"},
// though the document warns the fields may vary; code is the HTTP status, as
// a number (older pages show it as a string; both are read).
//
// # Mapping
//
// The HTTP status decides, as DT's codes are HTTP statuses:
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
// Fields: error → Message, code → Code (as text: "409"), help → DocURL.
//
// The waits are floors: no WithBackoff setting of the retry client goes
// below them.
package dt
