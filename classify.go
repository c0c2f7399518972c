package iotapi

import (
	"errors"
	"net"
	"net/http"
	"net/url"
)

// idempotent reports whether req may be sent twice with the effect of once:
// the methods RFC 9110 calls idempotent, or a request carrying an
// Idempotency-Key (or X-Idempotency-Key) header, as net/http's own retry
// rule accepts.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey
}

// notProcessed reports whether a failed response means the vendor did not
// act on the request, so even a POST may be sent again: 429 (rejected by a
// rate limit) and 503 (not accepted).
func notProcessed(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// notSent reports whether a transport error happened before any of the
// request reached the server: a failed dial or name lookup.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// isTimeout reports whether a transport error is a timeout of one attempt.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// unwrapURLError strips the *url.Error net/http wraps transport errors in:
// its text carries the full URL, credentials included.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}
