package iotapi

import (
	"strconv"
	"time"
)

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
	s := e.Vendor
	if s == "" {
		s = "iotapi"
	}
	s += ": " + e.Method + " " + e.URL
	if e.Attempts > 1 {
		s += " (after " + strconv.Itoa(e.Attempts) + " attempts)"
	}
	s += ": " + oneLine(e.Err.Error(), 2*maxMessage)
	if e.Stop != nil {
		s += ": " + e.Stop.Error()
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
