package otelx

import (
	"context"
	"errors"
	"net"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/iotapi/iotapi"
)

// The error.type values that are not type names.
const (
	errorTimeout  = "timeout"  // a context's deadline passed, or the network timed out
	errorCanceled = "canceled" // the caller's context was canceled
	errorOther    = "_OTHER"   // the semantic conventions' fallback
)

// errorType returns the error.type of a failure, a short value of low
// cardinality:
//
//   - for an *iotapi.APIError, its Kind in snake case ("unavailable",
//     "rate_limited", "token_expired", ...), or its HTTP status ("418")
//     when the Kind is iotapi.Unknown;
//   - "timeout" when a deadline passed or the network timed out, and
//     "canceled" when the caller's context was canceled;
//   - otherwise the type of the error, as the OpenTelemetry semantic
//     conventions suggest: "*net.OpError", "*tls.CertificateVerificationError".
func errorType(err error) string {
	if err == nil {
		return ""
	}
	var apiErr *iotapi.APIError
	if errors.As(err, &apiErr) {
		return kindType(apiErr)
	}
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return errorTimeout
	case errors.Is(err, context.Canceled):
		return errorCanceled
	}
	return typeName(err)
}

// kindType is the error.type of a vendor's answer.
func kindType(e *iotapi.APIError) string {
	if e.Kind == iotapi.Unknown {
		if e.StatusCode > 0 {
			return strconv.Itoa(e.StatusCode)
		}
		return errorOther
	}
	return strings.ReplaceAll(e.Kind.String(), " ", "_")
}

// typeName returns the name of err's type as %T prints it. A wrapper
// that says nothing by its name (*url.Error, or a type a package does not
// export) gives way to the error it wraps.
func typeName(err error) string {
	for {
		var next error
		if ue, ok := err.(*url.Error); ok {
			next = ue.Err
		} else if !exported(reflect.TypeOf(err)) {
			next = errors.Unwrap(err)
		}
		if next == nil {
			break
		}
		err = next
	}
	t := reflect.TypeOf(err)
	if t.Name() == "" && (t.Kind() != reflect.Pointer || t.Elem().Name() == "") {
		return errorOther // an unnamed type
	}
	return t.String()
}

// exported reports whether t, or the type t points to, is an exported
// named type.
func exported(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	r, _ := utf8.DecodeRuneInString(t.Name())
	return unicode.IsUpper(r)
}

// stopReason returns the iotapi.retry.stop_reason of a call whose retrying
// stopped early: "retry_budget_exhausted", "retry_after_too_long",
// "not_replayable" or "stale_token" for the library's reasons, else the
// error.type of what stopped it ("timeout", "canceled", ...).
func stopReason(err error) string {
	switch {
	case errors.Is(err, iotapi.ErrRetryBudgetExhausted):
		return "retry_budget_exhausted"
	case errors.Is(err, iotapi.ErrRetryAfterTooLong):
		return "retry_after_too_long"
	case errors.Is(err, iotapi.ErrNotReplayable):
		return "not_replayable"
	case errors.Is(err, iotapi.ErrStaleToken):
		return "stale_token"
	}
	return errorType(err)
}
