package iotapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// journal records the hooks' calls in order, one line each.
type journal struct {
	mu    sync.Mutex
	lines []string
}

func (j *journal) add(format string, args ...any) {
	j.mu.Lock()
	j.lines = append(j.lines, fmt.Sprintf(format, args...))
	j.mu.Unlock()
}

type ctxKey string

func (j *journal) hooks() iotapi.Hooks {
	return iotapi.Hooks{
		CallStart: func(ctx context.Context, c iotapi.CallInfo) context.Context {
			j.add("call %s %s %s", c.Vendor, c.Method, c.URL)
			return context.WithValue(ctx, ctxKey("call"), "span-1")
		},
		AttemptStart: func(ctx context.Context, a iotapi.AttemptInfo) context.Context {
			j.add("attempt %d replay=%t call=%v", a.Attempt, a.Replay, ctx.Value(ctxKey("call")))
			return context.WithValue(ctx, ctxKey("attempt"), a.Attempt)
		},
		AttemptEnd: func(ctx context.Context, a iotapi.AttemptInfo, r iotapi.AttemptResult) {
			kind := "-"
			if r.Failure != nil {
				kind = r.Failure.Kind.String()
			}
			j.add("end %d status=%d kind=%s attempt-ctx=%v", a.Attempt, r.StatusCode, kind, ctx.Value(ctxKey("attempt")))
		},
		Retry: func(ctx context.Context, ev iotapi.RetryEvent) {
			j.add("retry after %d wait=%v call=%v", ev.Attempt, ev.Wait, ctx.Value(ctxKey("call")))
		},
		LimiterWait: func(ctx context.Context, w iotapi.LimiterWait) {
			j.add("limiter err=%v attempt-ctx=%v", w.Err, ctx.Value(ctxKey("attempt")))
		},
		TokenFetch: func(ctx context.Context, f iotapi.TokenFetch) {
			j.add("token err=%v call=%v", f.Err, ctx.Value(ctxKey("call")))
		},
		CallEnd: func(ctx context.Context, c iotapi.CallInfo, r iotapi.CallResult) {
			j.add("done attempts=%d status=%d stop=%v call=%v", r.Attempts, r.StatusCode, r.Stop, ctx.Value(ctxKey("call")))
		},
	}
}

func TestHooks_SeeEveryStageInOrder(t *testing.T) {
	as := &authServer{accept: func(tok string) bool { return tok != "tok-1" }, reject: iotapitest.MustLookup("dt", "401")}
	srv := serveHandler(t, as)
	seen := make(chan any, 10)
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen <- r.Context().Value(ctxKey("attempt"))
		return http.DefaultTransport.RoundTrip(r)
	})
	j := &journal{}
	c := iotapi.NewClient(&http.Client{Transport: base}, dt.Vendor, iotapi.WithHooks(j.hooks()),
		iotapi.WithTokenSource(&countingSource{life: time.Hour}),
		iotapi.WithRateLimit(rate.NewLimiter(rate.Inf, 1)),
		iotapi.WithRecordedWaits(func(time.Duration) {}), iotapi.WithRand(func() float64 { return 0.5 }))

	resp, err := get(t, c, srv.URL+"/v1/devices?access_token=s3cr3t")
	require.NoError(t, err)
	resp.Body.Close()
	url := srv.URL + "/v1/devices?access_token=REDACTED"
	assert.Equal(t, []string{
		"call dt GET " + url,
		"token err=<nil> call=span-1",
		"attempt 1 replay=false call=span-1",
		"limiter err=<nil> attempt-ctx=1",
		"end 1 status=401 kind=unauthenticated attempt-ctx=1",
		"retry after 1 wait=0s call=span-1",
		"token err=<nil> call=span-1",
		"attempt 2 replay=true call=span-1",
		"limiter err=<nil> attempt-ctx=2",
		"end 2 status=200 kind=- attempt-ctx=2",
		"done attempts=2 status=200 stop=<nil> call=span-1",
	}, j.lines, "a rejected token, the replay, success")
	assert.Equal(t, []any{1, 2}, []any{<-seen, <-seen}, "each attempt's request carries AttemptStart's context")
}

func TestHooks_RetriesAndStops(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Times(1, canned("dt", "503")), iotapitest.Always(canned("dt", "429"))))
	j := &journal{}
	c, _ := newClient(dt.Vendor, iotapi.WithHooks(j.hooks()), iotapi.WithMaxRetryAfter(time.Second))
	_, err := get(t, c, srv.URL)
	assert.ErrorIs(t, err, iotapi.ErrRetryAfterTooLong)
	assert.Equal(t, []string{
		"call dt GET " + srv.URL,
		"attempt 1 replay=false call=span-1",
		"end 1 status=503 kind=unavailable attempt-ctx=1",
		"retry after 1 wait=1.5s call=span-1",
		"attempt 2 replay=false call=span-1",
		"end 2 status=429 kind=rate limited attempt-ctx=2",
		"done attempts=2 status=429 stop=" + iotapi.ErrRetryAfterTooLong.Error() + " call=span-1",
	}, j.lines)
}

func TestHooks_SetsRunInOrderAndContextsChain(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
	var order []string
	set := func(name string) iotapi.Hooks {
		return iotapi.Hooks{
			CallStart: func(ctx context.Context, _ iotapi.CallInfo) context.Context {
				order = append(order, name+" start, saw "+fmt.Sprint(ctx.Value(ctxKey("by"))))
				return context.WithValue(ctx, ctxKey("by"), name)
			},
			CallEnd: func(ctx context.Context, _ iotapi.CallInfo, _ iotapi.CallResult) {
				order = append(order, name+" end, saw "+fmt.Sprint(ctx.Value(ctxKey("by"))))
			},
		}
	}
	var retried int
	c, _ := newClient(dt.Vendor, iotapi.WithHooks(set("a")), iotapi.WithOnRetry(func(iotapi.RetryEvent) { retried++ }),
		iotapi.WithHooks(set("b")))
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{"a start, saw <nil>", "b start, saw a", "a end, saw b", "b end, saw b"}, order)
	assert.Zero(t, retried)
}

func TestWithLogger_GroupsItsAttributes(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Times(1, canned("dt", "503")), iotapitest.Always(iotapitest.OK(`{}`))))
	var logs bytes.Buffer
	l := slog.New(slog.NewTextHandler(&logs, nil)).With("vendor", "fleet-sync")
	c, _ := newClient(dt.Vendor, iotapi.WithLogger(l))
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	line := logs.String()
	assert.Equal(t, 1, strings.Count(line, " vendor="), "the caller's attribute once: %s", line)
	assert.Contains(t, line, "vendor=fleet-sync")
	assert.Contains(t, line, "iotapi.vendor=dt")
	assert.Contains(t, line, "iotapi.attempt=1")
}

func TestUserAgent_AppendedToTheCallersOwn(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("User-Agent"))
		n := len(seen)
		mu.Unlock()
		if n == 2 { // the second request of each case fails once
			canned("dt", "503")(w, r)
			return
		}
		iotapitest.OK(`{}`)(w, r)
	}))
	ua := "iotapi-go/devel" // a build of this repository
	c, _ := newClient(dt.Vendor)
	tr := &http.Client{Transport: iotapi.NewTransport(nil, dt.Vendor, iotapi.WithRecordedWaits(func(time.Duration) {}))}
	withToken, _ := newClient(dt.Vendor, iotapi.WithTokenSource(&countingSource{life: time.Hour}))
	for _, d := range []interface {
		Do(*http.Request) (*http.Response, error)
	}{c, tr, withToken} {
		mu.Lock()
		seen = nil
		mu.Unlock()
		for _, own := range []string{"", "fleet-sync/2.1"} {
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			if own != "" {
				req.Header.Set("User-Agent", own)
			}
			resp, err := d.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, own, req.Header.Get("User-Agent"), "the caller's request is not modified")
		}
		assert.Equal(t, []string{ua, "fleet-sync/2.1 " + ua, "fleet-sync/2.1 " + ua}, seen, "retries carry it too")
	}
}

func TestCallOptions_OverrideTheClientForOneCall(t *testing.T) {
	type result struct {
		calls int
		err   error
	}
	run := func(t *testing.T, method string, ctx context.Context, first iotapitest.Response, opts ...iotapi.Option) result {
		t.Helper()
		plan := iotapitest.NewPlan(iotapitest.Times(1, iotapitest.Respond(first)), iotapitest.Always(canned("dt", "503")))
		srv := serve(t, plan)
		c, _ := newClient(dt.Vendor, opts...)
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL, strings.NewReader("{}"))
		_, err := c.Do(req)
		return result{plan.Calls(), err}
	}
	bg := context.Background()
	r503 := iotapitest.MustLookup("dt", "503")
	with := iotapi.WithCallOptions

	assert.Equal(t, 4, run(t, "GET", bg, r503).calls, "the client's default: 3 retries")
	assert.Equal(t, 2, run(t, "GET", with(bg, iotapi.CallMaxRetries(1)), r503).calls)
	assert.Equal(t, 1, run(t, "GET", with(bg, iotapi.NoRetries()), r503).calls)
	assert.Equal(t, 3, run(t, "GET", with(with(bg, iotapi.NoRetries()), iotapi.CallMaxRetries(2)), r503).calls,
		"an inner WithCallOptions wins")
	assert.Equal(t, 2, run(t, "GET", with(with(bg, iotapi.CallMaxRetries(1)), iotapi.CallMaxRetryAfter(time.Hour)), r503).calls,
		"inner options add to outer ones")
	assert.Equal(t, 1, run(t, "GET", bg, r503, iotapi.WithMaxRetries(0)).calls)
	assert.Equal(t, 3, run(t, "GET", with(bg, iotapi.CallMaxRetries(2)), r503, iotapi.WithMaxRetries(0)).calls,
		"the call's option over the client's")

	r := run(t, "GET", with(bg, iotapi.CallMaxRetryAfter(time.Second)), r503.WithHeader("Retry-After", "9"))
	assert.Equal(t, 1, r.calls)
	assert.ErrorIs(t, r.err, iotapi.ErrRetryAfterTooLong)

	r500 := iotapitest.MustLookup("dt", "500")
	assert.Equal(t, 1, run(t, "POST", bg, r500).calls, "a POST after a 500 is not replayed")
	assert.Equal(t, 4, run(t, "POST", with(bg, iotapi.CallRetryNonIdempotent(true)), r500).calls)
	assert.Equal(t, 1, run(t, "POST", with(bg, iotapi.CallRetryNonIdempotent(false)), r500, iotapi.WithRetryNonIdempotent()).calls)

	// No retries at all: not even the replay after a rejected token.
	r401 := iotapitest.MustLookup("dt", "401")
	src := iotapi.WithTokenSource(&countingSource{life: time.Hour})
	assert.Equal(t, 2, run(t, "GET", with(bg, iotapi.CallMaxRetries(0)), r401, src).calls, "the replay is not a retry")
	assert.Equal(t, 1, run(t, "GET", with(bg, iotapi.NoRetries()), r401, src).calls)
}

func TestCallOptions_VendorFloorsStillHold(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Times(1, canned("dt", "504")), iotapitest.Always(iotapitest.OK(`{}`))))
	c, s := newClient(dt.Vendor, iotapi.WithBackoff(time.Millisecond, time.Millisecond))
	req, _ := http.NewRequestWithContext(iotapi.WithCallOptions(context.Background(), iotapi.CallMaxRetries(5)), http.MethodGet, srv.URL, nil)
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []time.Duration{10 * time.Second}, s.waits())
}
