package otelx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/iotapi/iotapi"
)

// wrapped is an unexported wrapper, as a package's own error types are.
type wrapped struct{ err error }

func (w *wrapped) Error() string { return "wrapped: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestErrorType(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&iotapi.APIError{StatusCode: 503, Kind: iotapi.Unavailable}, "unavailable"},
		{&iotapi.APIError{StatusCode: 401, Kind: iotapi.TokenExpired}, "token_expired"},
		{&iotapi.APIError{StatusCode: 405, Kind: iotapi.MethodNotAllowed}, "method_not_allowed"},
		{&iotapi.APIError{StatusCode: 418, Kind: iotapi.Unknown}, "418"},
		{&iotapi.APIError{Kind: iotapi.Unknown}, "_OTHER"},
		{fmt.Errorf("fetching: %w", &iotapi.APIError{StatusCode: 429, Kind: iotapi.RateLimited}), "rate_limited"},
		{context.DeadlineExceeded, "timeout"},
		{fmt.Errorf("not retried: %w", context.DeadlineExceeded), "timeout"},
		{&net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}, "timeout"},
		{context.Canceled, "canceled"},
		{refused, "*net.OpError"},
		{&url.Error{Op: "Get", URL: "https://x", Err: refused}, "*net.OpError"},
		{&wrapped{refused}, "*net.OpError"},
		{syscall.ECONNRESET, "syscall.Errno"},
		{io.ErrUnexpectedEOF, "*errors.errorString"},
		{&wrapped{io.EOF}, "*errors.errorString"},
	} {
		assert.Equal(t, tc.want, errorType(tc.err), "%v", tc.err)
	}
}

func TestStopReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{iotapi.ErrRetryBudgetExhausted, "retry_budget_exhausted"},
		{iotapi.ErrRetryAfterTooLong, "retry_after_too_long"},
		{iotapi.ErrNotReplayable, "not_replayable"},
		{&wrapped{iotapi.ErrStaleToken}, "stale_token"},
		{fmt.Errorf("not retried: the wait would outlast the deadline: %w", context.DeadlineExceeded), "timeout"},
		{context.Canceled, "canceled"},
		{errors.New("body: gone"), "*errors.errorString"},
	} {
		assert.Equal(t, tc.want, stopReason(tc.err), "%v", tc.err)
	}
}
