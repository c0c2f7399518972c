package iotapi

import (
	"errors"
	"net/http"
	"time"
)

// Vendor plugs one vendor API into this library: its error decoder and its
// documented retry rules. Each vendor package exports one as Vendor
// (dt.Vendor, tellus.Vendor, ...); [NewVendor] builds others. A Vendor is an
// immutable value, safe for concurrent use. The zero Vendor decodes by
// status alone.
type Vendor struct {
	name    string
	decode  func(*APIError)
	success func(*http.Response) error
	rules   []RetryRule
}

// NewVendor returns a Vendor called name. decode refines the status-based
// *APIError that [NewAPIError] builds for every non-2xx response: it reads
// e.Body and e.Header and sets Code, Type, Message, Kind, Retryable and the
// rest as the vendor's documents say. It is called for every failed
// response, even one with an empty body, and must not panic on any body; it
// may be nil.
func NewVendor(name string, decode func(e *APIError), opts ...VendorOption) Vendor {
	v := Vendor{name: name, decode: decode}
	for _, o := range opts {
		o(&v)
	}
	return v
}

// A VendorOption configures a Vendor built by [NewVendor].
type VendorOption func(*Vendor)

// WithRetryRules sets the vendor's documented retry rules, one per status.
func WithRetryRules(rules ...RetryRule) VendorOption {
	return func(v *Vendor) { v.rules = append([]RetryRule(nil), rules...) }
}

// WithSuccessCheck makes CheckResponse run check on 2xx responses, for a
// vendor whose successful status can still carry a failure (T IoT's empty
// 200). check returns nil or an error, preferably an *APIError, and must
// leave the body readable. A Client fails the call with check's
// *APIError, or for another error with the response decoded as an
// *APIError whose Err is check's error.
func WithSuccessCheck(check func(*http.Response) error) VendorOption {
	return func(v *Vendor) { v.success = check }
}

// Name returns the vendor's short name, as in APIError.Vendor.
func (v Vendor) Name() string { return v.name }

// Rule returns the vendor's retry rule for an HTTP status, if it has one.
func (v Vendor) Rule(status int) (RetryRule, bool) {
	for _, r := range v.rules {
		if r.Status == status {
			return r, true
		}
	}
	return RetryRule{}, false
}

// errNilResponse is returned by CheckResponse for a nil response.
var errNilResponse = errors.New("nil *http.Response")

// CheckResponse returns nil for a 2xx response and an *APIError for any
// other, decoded by the vendor's rules. It reads at most 1 MiB of the body
// and puts the body back, so the caller can still read all of it. A nil
// response is an error, but not an *APIError.
func (v Vendor) CheckResponse(resp *http.Response) error {
	if resp == nil {
		return &nilResponseError{vendor: v.name}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if v.success != nil {
			return v.success(resp)
		}
		return nil
	}
	return v.DecodeError(resp)
}

// DecodeError decodes resp as a failed response, whatever its status, as
// CheckResponse decodes a non-2xx one: for a response the caller knows
// failed although its status says otherwise (a Tellus 200 whose envelope
// carries an error code). It reads at most BodyLimit bytes of the body and
// puts the body back. Whatever the vendor echoes of the request's
// credentials is redacted from every field.
func (v Vendor) DecodeError(resp *http.Response) *APIError {
	e := NewAPIError(v.name, resp)
	if v.decode != nil {
		v.decode(e)
	}
	e.redactEchoes(resp.Request)
	return e
}

type nilResponseError struct{ vendor string }

func (e *nilResponseError) Error() string {
	if e.vendor == "" {
		return "iotapi: " + errNilResponse.Error()
	}
	return e.vendor + ": " + errNilResponse.Error()
}

func (e *nilResponseError) Unwrap() error { return errNilResponse }

// A RetryRule is one vendor's documented rule for retrying one HTTP status.
// Rules hold under any option the caller sets: no WithBackoff goes below
// MinWait.
type RetryRule struct {
	Status int // the HTTP status the rule is for

	// MinWait is the shortest wait before retrying this status (DT: 1 s
	// after 500 and 503, 10 s after 504).
	MinWait time.Duration

	// MaxRetries, when positive, caps the retries of this status within one
	// call (T IoT: a 500 that may be the request's fault is retried once).
	MaxRetries int

	// Escalate doubles the previous wait on each further response with this
	// status in a row, up to MaxWait (Telemax: after the first 429 wait
	// Retry-After, then double up to 60 s).
	Escalate bool

	// MaxWait caps an escalated wait.
	MaxWait time.Duration
}
