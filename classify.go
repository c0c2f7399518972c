package iotapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
)

// IsRetryable reports whether err describes a failure that a later attempt
// of the same request can survive: an *APIError the vendor documents as
// retryable, or a network failure such as a refused or reset connection or
// a timeout of a single attempt. It is false for nil, for cancelled or
// expired contexts (the caller's time is spent), for certificate errors and
// for anything it does not recognize.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, ErrCircuitOpen) {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Retryable
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidCert x509.CertificateInvalidError
	)
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalidCert) {
		return false
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}

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
// request reached the server: a failed dial or name lookup, or a limiter
// or an open circuit breaker that did not let the attempt go.
func notSent(err error) bool {
	if limited(err) {
		return true
	}
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

// credentialsMayGo reports whether a request may carry the client's token:
// a request that is not a redirect, or one redirected to the host of the
// request that began the chain or a subdomain of it, the rule net/http
// applies to Authorization and Cookie headers when it follows a redirect.
func credentialsMayGo(req *http.Request) bool {
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	if first == req || first.URL == nil || req.URL == nil {
		return true
	}
	return isDomainOrSubdomain(strings.ToLower(req.URL.Hostname()), strings.ToLower(first.URL.Hostname()))
}

// isDomainOrSubdomain reports whether sub is parent or a subdomain of it,
// as net/http decides it.
func isDomainOrSubdomain(sub, parent string) bool {
	if sub == parent {
		return true
	}
	if strings.ContainsAny(sub, ":%") { // an IPv6 address, not a host name
		return false
	}
	return strings.HasSuffix(sub, parent) && len(sub) > len(parent) && sub[len(sub)-len(parent)-1] == '.'
}

// limited reports whether an attempt's error is the limiter's refusal to
// let it go: the attempt never reached the transport.
func limited(err error) bool {
	var le *limiterError
	var ns *notSentError
	return errors.As(err, &le) || errors.As(err, &ns) || errors.Is(err, ErrCircuitOpen)
}
