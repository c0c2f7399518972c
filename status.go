package iotapi

import "net/http"

// What an HTTP status implies on its own, when the body does not say more.
// Every decoder starts from these (see NewAPIError).

// KindForStatus returns the Kind an HTTP status implies when the body does
// not say more.
func KindForStatus(status int) Kind {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusLengthRequired,
		http.StatusRequestEntityTooLarge, http.StatusRequestURITooLong,
		http.StatusUnsupportedMediaType, http.StatusRequestedRangeNotSatisfiable,
		http.StatusRequestHeaderFieldsTooLarge:
		return InvalidRequest
	case http.StatusUnauthorized:
		return Unauthenticated
	case http.StatusForbidden:
		return PermissionDenied
	case http.StatusNotFound, http.StatusGone:
		return NotFound
	case http.StatusConflict, http.StatusPreconditionFailed, http.StatusLocked:
		return Conflict
	case http.StatusMethodNotAllowed:
		return MethodNotAllowed
	case http.StatusTooManyRequests:
		return RateLimited
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return Unavailable
	}
	if status >= 500 && status < 600 {
		return ServerError
	}
	return Unknown
}

// RetryableStatus reports whether an HTTP status is worth retrying when the
// vendor's documents say nothing more: 408, 429, 500, 502, 503 and 504.
func RetryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// FaultForStatus returns the fault an HTTP status implies on its own:
// FaultClient for 4xx, FaultServer for 5xx, FaultUnknown otherwise.
func FaultForStatus(status int) Fault {
	switch {
	case status >= 400 && status < 500:
		return FaultClient
	case status >= 500:
		return FaultServer
	}
	return FaultUnknown
}
