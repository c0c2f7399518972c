package iotapi

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The policy as a table: synthetic answers, no server. Rows follow the
// order of the rules in decide.
func TestDecide(t *testing.T) {
	var (
		dtVendor = NewVendor("dt", nil, WithRetryRules(
			RetryRule{Status: 500, MinWait: time.Second},
			RetryRule{Status: 503, MinWait: time.Second},
			RetryRule{Status: 504, MinWait: 10 * time.Second}))
		telemax = NewVendor("telemax", nil, WithRetryRules(RetryRule{Status: 429, Escalate: true, MaxWait: time.Minute}))
		tiot    = NewVendor("tiot", nil, WithRetryRules(RetryRule{Status: 500, MaxRetries: 1}))
		plain   = NewVendor("plain", nil)

		refused = &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		reset   = &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
		timeout = &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}
	)
	type history struct { // what the call has seen so far
		method     string
		header     http.Header
		retries    int
		capped     map[int]int
		streak     int
		wait       time.Duration
		token      string
		refreshed  bool
		unreplayed bool // the body cannot be sent again
	}
	for _, tc := range []struct {
		name    string
		vendor  Vendor
		opts    []Option
		ctx     func() (context.Context, context.CancelFunc)
		call    history
		status  int // 0: err is the answer
		failure APIError
		err     error
		budget  *RetryBudget // DefaultRetryBudget if nil
		want    verdict
		wantWhy error // matched with errors.Is
		spent   int64 // retries the budget counts after
	}{
		// The context ended.
		{name: "context ended", vendor: dtVendor, status: 503, ctx: cancelled, wantWhy: context.Canceled},

		// A success.
		{name: "success", vendor: dtVendor, status: 200, want: final},
		{name: "a 304 is a success", vendor: dtVendor, status: 304, want: final},

		// A rejected token is replayed once, whatever the method, budget untouched.
		{name: "token rejected", vendor: dtVendor, status: 401, failure: APIError{Kind: Unauthenticated},
			call: history{method: "POST", token: "t1", retries: 3},
			want: verdict{retry: true, replay: true, freshToken: true}},
		{name: "token expired", vendor: dtVendor, status: 401, failure: APIError{Kind: TokenExpired},
			call: history{token: "t1"}, want: verdict{retry: true, replay: true, freshToken: true}},
		{name: "token rejected again", vendor: dtVendor, status: 401, failure: APIError{Kind: Unauthenticated},
			call: history{token: "t2", refreshed: true}, want: final},
		{name: "token rejected, body not resendable", vendor: dtVendor, status: 401, failure: APIError{Kind: Unauthenticated},
			call: history{method: "POST", token: "t1", unreplayed: true}, wantWhy: ErrNotReplayable},
		{name: "401 without a token", vendor: dtVendor, status: 401, failure: APIError{Kind: Unauthenticated}, want: final},

		// Not retryable.
		{name: "404", vendor: dtVendor, status: 404, failure: APIError{Kind: NotFound}, want: final},
		{name: "certificate error", vendor: dtVendor, err: x509.UnknownAuthorityError{}, want: final},

		// No retries left.
		{name: "retries used up", vendor: dtVendor, status: 503, failure: APIError{Retryable: true},
			call: history{retries: 3}, want: final},
		{name: "retries off", vendor: dtVendor, opts: []Option{WithMaxRetries(0)}, status: 503,
			failure: APIError{Retryable: true}, want: final},

		// Maybe processed, not idempotent.
		{name: "POST after 500", vendor: plain, status: 500, failure: APIError{Retryable: true},
			call: history{method: "POST"}, wantWhy: ErrNotReplayable},
		{name: "POST after a reset", vendor: plain, err: reset, call: history{method: "POST"}, wantWhy: ErrNotReplayable},
		{name: "POST after 503: not processed", vendor: plain, status: 503, failure: APIError{Retryable: true},
			call: history{method: "POST"}, want: verdict{retry: true, wait: 1500 * time.Millisecond}, spent: 1},
		{name: "POST after a refused dial: not sent", vendor: plain, err: refused, call: history{method: "POST"}, want: verdict{retry: true, wait: 1500 * time.Millisecond}, spent: 1},
		{name: "POST with an Idempotency-Key", vendor: plain, status: 500, failure: APIError{Retryable: true},
			call: history{method: "POST", header: http.Header{"Idempotency-Key": {"k"}}},
			want: verdict{retry: true, wait: 1500 * time.Millisecond}, spent: 1},
		{name: "POST, caller opted in", vendor: plain, opts: []Option{WithRetryNonIdempotent()}, status: 500,
			failure: APIError{Retryable: true}, call: history{method: "PATCH"},
			want: verdict{retry: true, wait: 1500 * time.Millisecond}, spent: 1},

		// The vendor's per-status cap.
		{name: "T IoT 500, second time", vendor: tiot, status: 500, failure: APIError{Retryable: true, Fault: FaultEither},
			call: history{retries: 1, capped: map[int]int{500: 1}}, want: final},

		// Retry-After above the caller's cap.
		{name: "Retry-After 2 min", vendor: dtVendor, status: 429, failure: APIError{Retryable: true, RetryAfter: 2 * time.Minute}, wantWhy: ErrRetryAfterTooLong},

		// The wait.
		{name: "backoff", vendor: plain, status: 502, failure: APIError{Retryable: true}, call: history{retries: 2}, want: verdict{retry: true, wait: 6 * time.Second}, spent: 1},
		{name: "Retry-After", vendor: dtVendor, status: 429, failure: APIError{Retryable: true, RetryAfter: 9 * time.Second}, want: verdict{retry: true, wait: 9 * time.Second}, spent: 1},
		{name: "Telemax doubles on a further 429", vendor: telemax, status: 429, failure: APIError{Retryable: true, RetryAfter: 5 * time.Second},
			call: history{retries: 1, streak: 2, wait: 20 * time.Second},
			want: verdict{retry: true, wait: 40 * time.Second}, spent: 1},
		{name: "Telemax doubling is capped", vendor: telemax, status: 429, failure: APIError{Retryable: true},
			call: history{retries: 2, streak: 3, wait: 40 * time.Second},
			want: verdict{retry: true, wait: time.Minute}, spent: 1},
		{name: "DT 504 floor over the backoff", vendor: dtVendor, opts: []Option{WithBackoff(time.Millisecond, time.Second)},
			status: 504, failure: APIError{Retryable: true},
			want: verdict{retry: true, wait: 10 * time.Second}, spent: 1},
		{name: "DT 504 floor over the caller's cap", vendor: dtVendor, opts: []Option{WithMaxRetryAfter(time.Second)},
			status: 504, failure: APIError{Retryable: true},
			want: verdict{wait: 10 * time.Second, why: ErrRetryAfterTooLong}},

		// A body that cannot be sent again.
		{name: "unreplayable body", vendor: dtVendor, status: 503, failure: APIError{Retryable: true},
			call: history{unreplayed: true}, wantWhy: ErrNotReplayable},

		// A wait past the deadline.
		{name: "wait past the deadline", vendor: dtVendor, status: 503, failure: APIError{Retryable: true},
			ctx: deadlineIn(time.Second), wantWhy: context.DeadlineExceeded},

		// The budget.
		{name: "budget spent", vendor: dtVendor, status: 503, failure: APIError{Retryable: true},
			budget: &RetryBudget{Floor: 0, Ratio: 0.5, Window: time.Second}, wantWhy: ErrRetryBudgetExhausted},
		{name: "a timeout costs two", vendor: dtVendor, err: timeout,
			budget: &RetryBudget{Floor: 1, Ratio: 0.5, Window: time.Second}, wantWhy: ErrRetryBudgetExhausted},
		{name: "a timeout retried", vendor: dtVendor, err: timeout, want: verdict{retry: true, wait: 1500 * time.Millisecond}, spent: 2},

		// Retry; a failure that may be the credentials' gets a new token.
		{name: "T IoT 500, first time", vendor: tiot, status: 500, failure: APIError{Retryable: true, Fault: FaultEither},
			call: history{token: "t1"},
			want: verdict{retry: true, wait: 1500 * time.Millisecond, freshToken: true}, spent: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]Option{WithRand(func() float64 { return 0.5 })}, tc.opts...)
			e := newEngine(&http.Client{}, nil, tc.vendor, opts)
			if tc.budget != nil {
				e.budget = newBudget(*tc.budget, time.Now)
			}
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			req, _ := http.NewRequest(tc.call.method, "https://vendor.test/v1/things", nil)
			for k, v := range tc.call.header {
				req.Header[k] = v
			}
			c := e.newCall(ctx, req)
			c.body.replayable = !tc.call.unreplayed
			c.retries, c.capped, c.streak, c.wait = tc.call.retries, tc.call.capped, tc.call.streak, tc.call.wait
			c.token, c.refreshed = tc.call.token, tc.call.refreshed

			a := attempt{status: tc.status, err: tc.err}
			if tc.status >= 400 {
				f := tc.failure
				f.StatusCode = tc.status
				a.failure = &f
				a.rule, _ = tc.vendor.Rule(tc.status)
			}
			got := decide(c, &a)
			if tc.wantWhy != nil {
				assert.ErrorIs(t, got.why, tc.wantWhy)
				assert.False(t, got.retry)
			} else {
				assert.Equal(t, tc.want, got)
			}
			assert.Equal(t, tc.spent, e.budget.spent(), "retries the budget counts")
		})
	}
}

func cancelled() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx, cancel
}

func deadlineIn(d time.Duration) func() (context.Context, context.CancelFunc) {
	return func() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), d) }
}
