package iotapi

import (
	"errors"
	"strconv"
	"strings"
)

// PartialError is a successful (2xx) response that reports failures of
// some of the items it was asked to handle: a batch or multi-item call that
// went through for some items and not for others (T IoT's 200 with an
// errors list, DT's batchErrors and transferErrors). The call succeeded as
// HTTP sees it, so [Vendor.CheckResponse] and [Client.Do] do not return a
// PartialError; the vendor packages whose APIs answer this way offer a
// CheckPartial that does (tiot.CheckPartial, dt.CheckPartial).
//
// It is not a failed call: errors.As finds it, errors.Is matches no Kind,
// and IsRetryable is false (the items that went through must not be sent
// again; resend the failed ones if their failures say so).
type PartialError struct {
	Vendor     string // "tiot", "dt", …
	StatusCode int    // the response's 2xx status
	RequestID  string // vendor request id (body field, else response header)

	// Failures holds one Detail per failed item, in the vendor's order:
	// Code and Type as the vendor gives them, Field naming the item (a
	// device's resource name, an id), Message the vendor's text. It holds
	// at most MaxFailures; Failed counts them all.
	Failures []Detail
	Failed   int
}

// MaxFailures bounds PartialError.Failures, so a hostile response cannot
// make a small body into a large error.
const MaxFailures = 10000

// ErrBodyTooLarge is returned by a check that must read a whole response
// body, such as a vendor's CheckPartial, when the body is longer than
// [BodyLimit]. The body is left readable in full.
var ErrBodyTooLarge = errors.New("iotapi: response body over " + strconv.Itoa(BodyLimit) + " bytes")

// Error returns one line: vendor, status, how many items failed, and the
// first failure: "dt: 200 with 2 failed items: projects/p/devices/d1:
// resource not found (code NOT_FOUND)".
func (e *PartialError) Error() string {
	var b strings.Builder
	if e.Vendor != "" {
		b.WriteString(e.Vendor)
	} else {
		b.WriteString("iotapi")
	}
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	b.WriteString(" with ")
	n := max(e.Failed, len(e.Failures))
	b.WriteString(strconv.Itoa(n))
	if n == 1 {
		b.WriteString(" failed item")
	} else {
		b.WriteString(" failed items")
	}
	if len(e.Failures) > 0 {
		f := e.Failures[0]
		b.WriteString(": ")
		if field := oneLine(f.Field, maxMessage); field != "" {
			b.WriteString(field)
			b.WriteString(": ")
		}
		msg := oneLine(f.Message, maxMessage)
		if msg == "" {
			msg = oneLine(f.Type, maxMessage)
		}
		if msg == "" {
			msg = "failed"
		}
		b.WriteString(lowerFirst(strings.TrimRight(msg, ". ")))
		if f.Code != "" {
			b.WriteString(" (code ")
			b.WriteString(oneLine(f.Code, 64))
			b.WriteByte(')')
		}
	}
	return b.String()
}
