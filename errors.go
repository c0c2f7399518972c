package iotapi

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iotapi/iotapi/internal/redact"
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

// Error returns one lowercase line: vendor, status, message and code, the
// attempts when more than one was made, and why retrying stopped early.
// It never contains the body, headers or request data.
func (e *APIError) Error() string {
	var b strings.Builder
	b.Grow(64 + len(e.Message))
	if e.Vendor != "" {
		b.WriteString(oneLine(e.Vendor, 64))
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

// Fault says which side a vendor's documents blame for an error, in the
// manner of smithy-go's ErrorFault.
type Fault uint8

// The faults. The zero value means not determined.
const (
	FaultUnknown Fault = iota // not determined
	FaultClient               // the request or credentials must change (4xx)
	FaultServer               // vendor-side; the same request may succeed later (5xx)
	FaultEither               // the vendor uses this status for both: T IoT answers 500 for invalid requests and credentials too
)

// String returns "client", "server", "either" or "unknown".
func (f Fault) String() string {
	switch f {
	case FaultClient:
		return "client"
	case FaultServer:
		return "server"
	case FaultEither:
		return "either"
	}
	return "unknown"
}

// RequestError is a call that got no usable response: the connection failed,
// the context ended, or the request could not be sent. Err is the cause;
// errors.Is reaches it and Stop.
type RequestError struct {
	Vendor   string
	Method   string
	URL      string // with credentials redacted
	Attempts int
	Err      error // the last attempt's error
	Stop     error // why retrying stopped early, if it did (see ErrNotReplayable, ErrRetryBudgetExhausted)

	start, end time.Time // for NewReport
}

// Error returns one line: vendor, method, redacted URL, attempts and cause.
func (e *RequestError) Error() string {
	s := oneLine(e.Vendor, 64)
	if s == "" {
		s = "iotapi"
	}
	s += ": " + oneLine(e.Method+" "+e.URL, 2*maxMessage)
	if e.Attempts > 1 {
		s += " (after " + strconv.Itoa(e.Attempts) + " attempts)"
	}
	if e.Err != nil {
		s += ": " + oneLine(redact.Text(e.Err.Error()), 2*maxMessage)
	}
	if e.Stop != nil {
		s += ": " + oneLine(e.Stop.Error(), 2*maxMessage)
	}
	return s
}

// Unwrap returns the cause and the stop reason, for errors.Is and errors.As.
func (e *RequestError) Unwrap() []error {
	if e.Stop != nil {
		return []error{e.Err, e.Stop}
	}
	return []error{e.Err}
}

var _ error = (*RequestError)(nil)

// Why the retry client stopped before its retries were used up. They come
// back as APIError.Err, or wrapped in the error of a failed request, so
// errors.Is(err, iotapi.ErrRetryBudgetExhausted) tells them apart.
var (
	// ErrRetryBudgetExhausted: most recent calls through this client failed,
	// so it stopped retrying to keep from adding load to a struggling vendor.
	// Retries resume as calls succeed again.
	ErrRetryBudgetExhausted = errors.New("not retried: too many recent calls failed, so the client paused retries to avoid adding load (they resume as calls succeed)")

	// ErrRetryAfterTooLong: the vendor asked for a longer wait than
	// WithMaxRetryAfter allows; APIError.RetryAfter says how long, for the
	// caller to schedule.
	ErrRetryAfterTooLong = errors.New("not retried: the server asked to wait longer than the client's maximum wait; see RetryAfter to schedule a later call")

	// ErrNotReplayable: the request is not idempotent and the vendor may have
	// processed it (500, 502, 504, or a connection lost after the request
	// was sent), or its body cannot be sent again. Set an Idempotency-Key
	// header or use WithRetryNonIdempotent to allow the retry; give the
	// request a GetBody to make its body replayable.
	ErrNotReplayable = errors.New("not retried: the request may already have been processed or its body cannot be sent again (add an Idempotency-Key header to allow retries)")

	// ErrStaleToken: the token source returned the token the vendor had
	// just rejected, so replaying the request could not succeed. A source
	// that caches tokens itself (oauth2.ReuseTokenSource) does this; give
	// WithTokenSource one that fetches on each call.
	ErrStaleToken = errors.New("the token source returned the token the vendor just rejected; it must fetch a new token on each call (not cache)")
)

// Redact replaces every occurrence of each secret (an access token, a
// client secret, an API key the caller knows) in e's text, details,
// headers and body with REDACTED, for a vendor that echoes a credential
// back. It is found however the vendor spelled it: as it is, escaped as in
// a JSON string ("\/", "\u002F", "\"", a surrogate pair), percent-encoded
// as in a URL ("%2F", "+" for a space), or both; a body that was valid JSON
// stays valid JSON. Secrets shorter than 4 bytes are left alone: masking
// them would garble the text without protecting anything.
func (e *APIError) Redact(secrets ...string) {
	if slices.ContainsFunc(secrets, tooShort) {
		secrets = slices.DeleteFunc(slices.Clone(secrets), tooShort)
	}
	if len(secrets) == 0 {
		return
	}
	e.mapText(func(t string) string { return redact.String(t, secrets...) })
	e.Body = redact.Body(e.Body, secrets...) // e.Body itself, unless a spelling of a secret is in it
}

// tooShort reports whether a secret is too short for Redact to mask.
func tooShort(secret string) bool { return len(secret) < 4 }

// clone returns a copy of e sharing nothing that Redact or the call
// writes: its headers, details and body are copied too.
func (e *APIError) clone() *APIError {
	c := *e
	c.Header = e.Header.Clone()
	c.Details = slices.Clone(e.Details)
	c.Body = bytes.Clone(e.Body)
	return &c
}

// mapText replaces each of e's texts (its fields, its details' fields and
// its header values) with f of it.
func (e *APIError) mapText(f func(string) string) {
	for _, p := range []*string{&e.Code, &e.Type, &e.Message, &e.RequestID, &e.DocURL} {
		*p = f(*p)
	}
	for i := range e.Details {
		d := &e.Details[i]
		for _, p := range []*string{&d.Code, &d.Type, &d.Field, &d.Message} {
			*p = f(*p)
		}
	}
	for _, vs := range e.Header {
		for i, v := range vs {
			vs[i] = f(v)
		}
	}
}
