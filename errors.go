package iotapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// APIError is a failed call to a vendor API, normalized. Every vendor
// package's CheckResponse returns one for any non-2xx response, whatever its
// body, and [Client.Do] returns one for a final non-2xx response.
//
// Branch on Kind with errors.Is (errors.Is(err, iotapi.NotFound)) or a
// switch on Kind; read Code and Type for the vendor's own vocabulary; show
// Message to people; give RequestID to the vendor's support.
type APIError struct {
	Vendor     string        // "tellus", "telemax", "tiot", "dt", "endpointmgr"
	StatusCode int           // HTTP status of the response
	Kind       Kind          // normalized category, for branching
	Code       string        // the vendor's machine code as text: tellus "2002", telemax "TOKEN_EXPIRED", endpointmgr "1103", dt "409"
	Type       string        // the vendor's symbolic class or name: telemax "AUTHENTICATION", endpointmgr "TokenExpired", T IoT title
	Message    string        // human-readable text from the vendor (never parse it)
	RequestID  string        // vendor request id (body field, else response header)
	DocURL     string        // vendor doc link (telemax docUrl, dt help)
	Details    []Detail      // nested or field errors (endpointmgr errors[], tellus details.field, T IoT errors[])
	Retryable  bool          // the vendor's documents say a retry can succeed
	RetryAfter time.Duration // from Retry-After (delay-seconds or HTTP-date) or a vendor's body hint; 0 if none
	Attempts   int           // attempts made when it came through the retry client; 0 otherwise
	Header     http.Header   // response headers, with secrets redacted
	Body       []byte        // raw response body, bounded to 1 MiB (may be truncated); decompressed if it was gzip

	// Fault says which side the vendor's documents blame. It is FaultEither
	// where a vendor uses one status for both (T IoT's 500s).
	Fault Fault

	// Err, when set, says why the retry client did not retry: one of
	// ErrRetryBudgetExhausted, ErrRetryAfterTooLong, ErrNotReplayable and
	// ErrStaleToken; the context's error when it ended during the wait, or
	// an error matching context.DeadlineExceeded when the wait would have
	// outlived the deadline; or the error that kept the next attempt from
	// going out (a token fetch, a body's GetBody). Unwrap returns it.
	Err error

	req requestInfo // the request behind the error, for NewReport
}

var (
	_ error                             = (*APIError)(nil)
	_ interface{ HTTPStatusCode() int } = (*APIError)(nil)
	_ interface{ ErrorCode() string }   = (*APIError)(nil)
	_ interface{ Is(error) bool }       = Kind(0)
)

// Detail is one nested or field-level error inside a vendor error.
type Detail struct {
	Code    string // the vendor's code for this item, as text
	Type    string // the vendor's symbolic name for this item
	Field   string // the request field it refers to, when the vendor names one
	Message string // human-readable text from the vendor
}

// maxMessage bounds the message in Error, so a gateway page cannot make an
// error line unreadable.
const maxMessage = 200

// Error returns one lowercase line: vendor, status, message and code, the
// attempts when more than one was made, and why retrying stopped early.
// It never contains the body, headers or request data.
func (e *APIError) Error() string {
	var b strings.Builder
	b.Grow(64 + len(e.Message))
	if e.Vendor != "" {
		b.WriteString(e.Vendor)
	} else {
		b.WriteString("iotapi")
	}
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	b.WriteByte(' ')
	b.WriteString(e.summary())
	if e.Code != "" {
		b.WriteString(" (code ")
		b.WriteString(oneLine(e.Code, 64))
		b.WriteByte(')')
	}
	if e.Fault == FaultEither {
		b.WriteString(" (may be caused by the request or credentials)")
	}
	if e.Attempts > 1 {
		b.WriteString(" after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(oneLine(e.Err.Error(), 2*maxMessage))
	}
	return b.String()
}

// summary is the message part of Error: the vendor's message, else its
// type, else the status text.
func (e *APIError) summary() string {
	for _, s := range []string{e.Message, e.Type} {
		if s = oneLine(s, maxMessage); s != "" {
			return lowerFirst(strings.TrimRight(s, ". "))
		}
	}
	if t := http.StatusText(e.StatusCode); t != "" {
		return strings.ToLower(t)
	}
	return "error"
}

// Is reports whether target is e's Kind, or a Kind that includes it
// (TokenExpired is also Unauthenticated). It lets errors.Is(err,
// iotapi.NotFound) work on any error chain holding an *APIError.
func (e *APIError) Is(target error) bool { return e.Kind.Is(target) }

// Unwrap returns Err: why the retry client stopped early, if it did.
func (e *APIError) Unwrap() error { return e.Err }

// HTTPStatusCode returns the response's HTTP status, for code that
// classifies errors through interface{ HTTPStatusCode() int }.
func (e *APIError) HTTPStatusCode() int { return e.StatusCode }

// ErrorCode returns the vendor's code, or its type when it has no code,
// for code that classifies errors through interface{ ErrorCode() string }.
func (e *APIError) ErrorCode() string {
	if e.Code != "" {
		return e.Code
	}
	return e.Type
}

// ErrorMessage returns the vendor's message.
func (e *APIError) ErrorMessage() string { return e.Message }

// Temporary reports whether the vendor's documents say a retry can succeed.
func (e *APIError) Temporary() bool { return e.Retryable }

// oneLine makes s printable on one line: invalid UTF-8 and control
// characters become spaces, runs of spaces collapse, and text past max runes
// is cut with an ellipsis.
func oneLine(s string, max int) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	space, n := false, 0
	for _, r := range strings.ToValidUTF8(s, " ") {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if n == max {
			b.WriteString("…")
			return b.String()
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// lowerFirst lowercases the first letter of s unless it starts an acronym;
// a Title Case phrase ("Too Many Requests") is lowercased whole.
func lowerFirst(s string) string {
	if isTitleCase(s) {
		return strings.ToLower(s)
	}
	r, size := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[size:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// isTitleCase reports whether every word of s that starts with a letter
// starts with one upper-case letter followed by lower-case ones.
func isTitleCase(s string) bool {
	words := 0
	for _, w := range strings.Fields(s) {
		r, size := utf8.DecodeRuneInString(w)
		if !unicode.IsLetter(r) {
			continue
		}
		if !unicode.IsUpper(r) || strings.ToLower(w[size:]) != w[size:] {
			return false
		}
		words++
	}
	return words > 1
}

// Kind is the normalized category of an [APIError]. A Kind is an error
// itself, like syscall.Errno, so the same names serve a switch on
// APIError.Kind and errors.Is(err, iotapi.NotFound).
//
// New values go at the end only.
type Kind int

// The kinds, in their fixed order.
const (
	Unknown          Kind = iota // none of the below; look at StatusCode and Code
	InvalidRequest               // malformed or failed validation: fix the request (400, 422)
	Unauthenticated              // credentials missing or invalid (401)
	TokenExpired                 // token lifetime elapsed: refresh, then retry; also Unauthenticated
	PermissionDenied             // valid credentials, not allowed (403)
	NotFound                     // no such resource, or not visible to this token (404)
	Conflict                     // already exists, still referenced, concurrent change, wrong state (409)
	MethodNotAllowed             // wrong HTTP verb for the endpoint (405, DT's 501)
	RateLimited                  // too many requests (429)
	ServerError                  // vendor-side failure (500, other 5xx)
	Unavailable                  // gateway or availability, transient (502, 503, 504)
)

var kindNames = [...]string{
	Unknown:          "unknown",
	InvalidRequest:   "invalid request",
	Unauthenticated:  "unauthenticated",
	TokenExpired:     "token expired",
	PermissionDenied: "permission denied",
	NotFound:         "not found",
	Conflict:         "conflict",
	MethodNotAllowed: "method not allowed",
	RateLimited:      "rate limited",
	ServerError:      "server error",
	Unavailable:      "unavailable",
}

// String returns the kind's lowercase name, such as "not found".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind " + strconv.Itoa(int(k))
}

// Error returns the kind's name, so a Kind can be an errors.Is target.
func (k Kind) Error() string { return k.String() }

// Is reports whether target is k, or a broader Kind that includes k:
// TokenExpired is also Unauthenticated.
func (k Kind) Is(target error) bool {
	t, ok := target.(Kind)
	return ok && (t == k || k == TokenExpired && t == Unauthenticated)
}

// IsRetryable reports whether err describes a failure that a later attempt
// of the same request can survive: an *APIError the vendor documents as
// retryable, or a network failure such as a refused or reset connection or
// a timeout of a single attempt. It is false for nil, for cancelled or
// expired contexts (the caller's time is spent), for certificate errors and
// for anything it does not recognize.
func IsRetryable(err error) bool {
	if err == nil {
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
