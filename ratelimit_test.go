package iotapi_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// quota is a server enforcing limit per window, with DT's 429 over it.
func quota(limit int, window time.Duration) *iotapitest.Quota {
	return iotapitest.NewQuota(limit, window, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429"))
}

// hammer calls url from workers goroutines for d and returns how long it ran.
func hammer(t *testing.T, c *iotapi.Client, url string, workers int, d time.Duration) time.Duration {
	t.Helper()
	// A cancel on a timer, not a deadline: a limiter fails a Wait at once
	// when its moment would come after the deadline, and the callers would
	// spin instead of waiting.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(d, cancel)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if resp, err := c.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// pooledClient returns a client without retries for workers goroutines,
// on a transport that keeps a connection for each, as a service's tuned
// transport would: a burst reuses connections instead of dialling anew.
func pooledClient(t *testing.T, v iotapi.Vendor, workers int, opts ...iotapi.Option) *iotapi.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	t.Cleanup(tr.CloseIdleConnections)
	return iotapi.NewClient(&http.Client{Transport: tr}, v, append([]iotapi.Option{iotapi.WithMaxRetries(0)}, opts...)...)
}

// arrivals records when each call reached a server, before next saw it.
type arrivals struct {
	next http.Handler
	mu   sync.Mutex
	at   []time.Time
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	a.mu.Lock()
	a.at = append(a.at, now)
	a.mu.Unlock()
	a.next.ServeHTTP(w, r)
}

// jitter returns how much of rl's jitter allowance the arrival times used:
// for each call, Per plus the allowance (the least time a limiter leaves
// between a call and the Requests-th call after it) less the time the
// server saw between them; the median, the 99th percentile and the worst.
// A use beyond the allowance is a call that came too early.
func (a *arrivals) jitter(rl iotapi.RateLimit) (p50, p99, worst time.Duration) {
	a.mu.Lock()
	at := slices.Clone(a.at)
	a.mu.Unlock()
	slices.SortFunc(at, func(x, y time.Time) int { return x.Compare(y) })
	span := rl.Per + rl.JitterAllowance()
	var used []time.Duration
	for i := rl.Requests; i < len(at); i++ {
		used = append(used, span-at[i].Sub(at[i-rl.Requests]))
	}
	if len(used) == 0 {
		return 0, 0, 0
	}
	slices.Sort(used)
	return used[len(used)/2], used[len(used)*99/100], used[len(used)-1]
}

// windows returns how long n windows of rl last, with their jitter
// allowance.
func windows(rl iotapi.RateLimit, n int) time.Duration {
	return time.Duration(n) * (rl.Per + rl.JitterAllowance())
}

// TestRateLimit_DT: 50 goroutines for three windows against a server
// enforcing DT's limit, 75 requests per 10 s, as a sliding log and in
// fixed windows of the clock (DT does not say which). Paced with
// dt.RateLimit, no call is answered 429 and the calls use at least 98% of
// the quota (99% is the design: 1% of the window, 100 ms, is the jitter
// allowance). How much of the allowance arrival jitter used is reported;
// the same load without pacing, for 2 s, is reported beside it.
func TestRateLimit_DT(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 33 s")
	}
	limit := dt.RateLimit
	const workers = 50
	run := windows(limit, 3) + 100*time.Millisecond

	fixed := iotapitest.NewFixedWindowQuota(limit.Requests, limit.Per, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429"))
	sliding := iotapitest.NewQuota(limit.Requests, limit.Per, fixed, iotapitest.MustLookup("dt", "429"))
	seen := &arrivals{next: sliding}
	limiter := limit.NewLimiter()
	c := pooledClient(t, dt.Vendor, workers, iotapi.WithRateLimit(limiter))
	hammer(t, c, serveHandler(t, seen).URL, workers, run)
	p50, p99, worst := seen.jitter(limit)

	unpaced := quota(limit.Requests, limit.Per)
	c = pooledClient(t, dt.Vendor, workers)
	hammer(t, c, serveHandler(t, unpaced).URL, workers, 2*time.Second)
	unpacedShare := float64(unpaced.Limited()) / float64(unpaced.Accepted()+unpaced.Limited())

	st := limiter.Stats()
	t.Logf("DT limit %d per %v, %d goroutines, %v", limit.Requests, limit.Per, workers, run)
	t.Logf("paced:   %d accepted, %.2f%% of the quota used; answered 429: %d by the sliding log, %d by the fixed windows",
		sliding.Accepted(), 100*sliding.Utilization(), sliding.Limited(), fixed.Limited())
	t.Logf("         %d calls let go, %d of them after a wait; closest %d+1 calls: %v apart",
		st.Granted, st.Delayed, limit.Requests, sliding.Tightest())
	t.Logf("         jitter allowance %v, used by arrival times: median %v, p99 %v, worst %v",
		limit.JitterAllowance(), p50, p99, worst)
	t.Logf("unpaced: %d accepted, %d answered 429 (%.1f%%) in 2 s",
		unpaced.Accepted(), unpaced.Limited(), 100*unpacedShare)
	assert.Zero(t, sliding.Limited(), "no call answered 429 by a sliding log")
	assert.Zero(t, fixed.Limited(), "nor in fixed windows")
	assert.GreaterOrEqual(t, sliding.Accepted(), 3*limit.Requests, "three windows' worth")
	assert.GreaterOrEqual(t, sliding.Utilization(), 0.98)
	assert.Positive(t, unpaced.Limited(), "the server enforces the limit")
}

// TestRateLimit_EndpointListing: Endpoint Manager's listing limit, 10
// requests per second with a burst of 5, scaled to 10 per 5 s with a burst
// of 5, against a server enforcing both readings of it: at most 10 in any
// 5 s, and a token bucket of 5 refilled at 10 per 5 s. 20 goroutines for
// three windows: no call answered 429 by either, at least 98% of the quota
// used; the first 5 calls went at once.
func TestRateLimit_EndpointListing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 15 s")
	}
	rl := endpointmgr.EndpointListRateLimit
	limit := iotapi.RateLimit{Requests: rl.Requests, Per: rl.Per * 5, Burst: rl.Burst}
	bucket := iotapitest.NewTokenBucketQuota(limit.Requests, limit.Per, limit.Burst, iotapitest.NewPlan(), iotapitest.MustLookup("endpointmgr", "1501_toomanyrequests"))
	sliding := iotapitest.NewQuota(limit.Requests, limit.Per, bucket, iotapitest.MustLookup("endpointmgr", "1501_toomanyrequests"))
	limiter := limit.NewLimiter()
	c := pooledClient(t, endpointmgr.Vendor, 20, iotapi.WithRateLimit(limiter))
	hammer(t, c, serveHandler(t, sliding).URL, 20, windows(limit, 3)+100*time.Millisecond)

	st := limiter.Stats()
	t.Logf("limit %d per %v, burst %d: %d accepted, %.2f%% of the quota used (token bucket: %.2f%%); answered 429: %d by the sliding log, %d by the token bucket; %d calls let go, %d after a wait",
		limit.Requests, limit.Per, limit.Burst, sliding.Accepted(), 100*sliding.Utilization(), 100*bucket.Utilization(),
		sliding.Limited(), bucket.Limited(), st.Granted, st.Delayed)
	assert.Zero(t, sliding.Limited())
	assert.Zero(t, bucket.Limited())
	assert.GreaterOrEqual(t, sliding.Accepted(), 3*limit.Requests)
	assert.GreaterOrEqual(t, sliding.Utilization(), 0.98)
	assert.Equal(t, int64(limit.Burst), st.Granted-st.Delayed, "the burst went at once, the rest waited")
}

// TestRateLimit_BurstGoesAtOnce: after a quiet window, up to Requests
// calls go without waiting, for limits of 1, 2, 75 and 2,000 calls; the
// next one would wait, and with a deadline before its moment it fails at
// once with an error matching context.DeadlineExceeded.
func TestRateLimit_BurstGoesAtOnce(t *testing.T) {
	for _, n := range []int{1, 2, 75, 2000} {
		l := iotapi.RateLimit{Requests: n, Per: time.Hour}.NewLimiter()
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.NoError(t, l.Wait(context.Background()))
			}()
		}
		wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := l.Wait(ctx)
		cancel()
		assert.ErrorIs(t, err, context.DeadlineExceeded, "N=%d: the next moment is an hour away", n)
		assert.Equal(t, iotapi.LimiterStats{Granted: int64(n), Refused: 1}, l.Stats(), "N=%d: none of the %d waited", n, n)
	}

	// A burst, a wait, a quiet window, a burst again.
	rl := iotapi.RateLimit{Requests: 5, Per: 100 * time.Millisecond}
	l := rl.NewLimiter()
	for i := 0; i < 6; i++ {
		require.NoError(t, l.Wait(context.Background()))
	}
	require.Equal(t, int64(1), l.Stats().Delayed, "the sixth call waited")
	time.Sleep(2 * windows(rl, 1))
	for i := 0; i < 5; i++ {
		require.NoError(t, l.Wait(context.Background()))
	}
	assert.Equal(t, iotapi.LimiterStats{Granted: 11, Delayed: 1, Delay: l.Stats().Delay}, l.Stats(), "the second burst did not wait")
}

// TestRateLimit_BurstThroughTheClient: 75 concurrent calls through a client
// paced with dt.RateLimit reach a server enforcing it: all are accepted,
// none waited.
func TestRateLimit_BurstThroughTheClient(t *testing.T) {
	srv := quota(dt.RateLimit.Requests, dt.RateLimit.Per)
	limiter := dt.RateLimit.NewLimiter()
	c, _ := newClient(dt.Vendor, iotapi.WithMaxRetries(0), iotapi.WithRateLimit(limiter))
	url := serveHandler(t, srv).URL
	var wg sync.WaitGroup
	for i := 0; i < dt.RateLimit.Requests; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := get(t, c, url)
			if assert.NoError(t, err) {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, dt.RateLimit.Requests, srv.Accepted())
	assert.Zero(t, srv.Limited())
	assert.Equal(t, iotapi.LimiterStats{Granted: int64(dt.RateLimit.Requests)}, limiter.Stats())
}

// TestRateLimit_NoLimit: a RateLimit with a zero or negative field sets no
// limit: its limiters never wait, and nothing panics.
func TestRateLimit_NoLimit(t *testing.T) {
	for _, rl := range []iotapi.RateLimit{{}, {Requests: 0, Per: time.Second}, {Requests: -1, Per: time.Second},
		{Requests: 5}, {Requests: 5, Per: -time.Second}, {Requests: -5, Per: -time.Second, Burst: -1}} {
		l := rl.NewLimiter()
		a := iotapi.NewAdaptiveLimiter(rl)
		a.Throttled()
		a.Succeeded()
		for i := 0; i < 100; i++ {
			require.NoError(t, l.Wait(context.Background()), "%+v", rl)
			require.NoError(t, a.Wait(context.Background()), "%+v", rl)
		}
		assert.Equal(t, iotapi.LimiterStats{Granted: 100}, l.Stats(), "%+v", rl)
		assert.Zero(t, a.Rate())
		assert.Zero(t, rl.BurstLimit())
	}
	var zero iotapi.WindowLimiter
	assert.NoError(t, zero.Wait(context.Background()), "the zero WindowLimiter sets no limit")
}

func TestRateLimit_Recommended(t *testing.T) {
	assert.Equal(t, 100*time.Millisecond, dt.RateLimit.JitterAllowance(), "1% of 10 s")
	assert.Equal(t, 100*time.Millisecond, endpointmgr.RateLimit.JitterAllowance(), "at most 100 ms")
	assert.Equal(t, 10*time.Millisecond, endpointmgr.EndpointListRateLimit.JitterAllowance())
	assert.Equal(t, iotapi.RateLimit{Requests: 5, Per: 500 * time.Millisecond}, endpointmgr.EndpointListRateLimit.BurstLimit())
	assert.Zero(t, dt.RateLimit.BurstLimit(), "no burst rule besides the window")
	assert.Equal(t, iotapi.RateLimit{Requests: 1, Per: 333333334}, iotapi.RateLimit{Requests: 3, Per: time.Second, Burst: 1}.BurstLimit(), "rounded up")
}

// A wait that would pass the request's deadline fails the call at once
// with an error matching context.DeadlineExceeded, without a request.
func TestRateLimit_WaitPastDeadline(t *testing.T) {
	var hits atomic.Int64
	srv := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	limiter := iotapi.RateLimit{Requests: 1, Per: time.Hour}.NewLimiter()
	c, _ := newClient(dt.Vendor, iotapi.WithRateLimit(limiter))
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err = c.Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NoError(t, ctx.Err(), "failed before the deadline")
	assert.Equal(t, int64(1), hits.Load())
	assert.Equal(t, iotapi.LimiterStats{Granted: 1, Refused: 1}, limiter.Stats())
}

// A call whose context is cancelled while it waits gives its moment back:
// the next call takes it.
func TestRateLimit_CancelledWaitGivesItsMomentBack(t *testing.T) {
	rl := iotapi.RateLimit{Requests: 1, Per: 200 * time.Millisecond}
	l := rl.NewLimiter()
	require.NoError(t, l.Wait(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Wait(ctx) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	require.NoError(t, l.Wait(context.Background()))
	st := l.Stats()
	assert.Equal(t, int64(1), st.Refused)
	assert.Equal(t, int64(1), st.Delayed)
	assert.Less(t, st.Delay, windows(rl, 1), "the next call took the moment given back, not the one after")
}

func TestRateLimit_WaitEndsWithContext(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan())
	slow := rate.NewLimiter(rate.Every(time.Hour), 1)
	c, _ := newClient(dt.Vendor, iotapi.WithRateLimit(slow))
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err, "the burst of one goes through")
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	start := time.Now()
	_, err = c.Do(req)
	assert.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestRateLimit_RetriesArePacedToo(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Times(2, canned("dt", "503")), iotapitest.Always(iotapitest.OK(`{}`))))
	var waits atomic.Int64
	c, _ := newClient(dt.Vendor, iotapi.WithRateLimit(countingLimiter{&waits}))
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, int64(3), waits.Load())
}

type countingLimiter struct{ n *atomic.Int64 }

func (l countingLimiter) Wait(context.Context) error { l.n.Add(1); return nil }

func TestAdaptiveLimiter(t *testing.T) {
	a := iotapi.NewAdaptiveLimiter(iotapi.RateLimit{Requests: 100, Per: time.Second})
	assert.Equal(t, 100.0, a.Rate())
	a.Throttled()
	assert.Equal(t, 50.0, a.Rate())
	a.Throttled() // within the cool-down: one halving per burst of 429s
	assert.Equal(t, 50.0, a.Rate())
	for i := 0; i < 50; i++ { // a second's worth of successes at the halved rate
		a.Succeeded()
	}
	assert.InDelta(t, 55, a.Rate(), 0.5, "+5% of the documented rate per second of successes")
	for i := 0; i < 2000; i++ {
		a.Succeeded()
	}
	assert.Equal(t, 100.0, a.Rate(), "never above the documented rate")
}

// A limit below one request per second (Telemax V2: 60 per minute)
// recovers at the same 5% of the documented rate per second: after a
// halving, one success stands for 1/rate seconds of successes.
func TestAdaptiveLimiter_SlowLimitRecovers(t *testing.T) {
	a := iotapi.NewAdaptiveLimiter(iotapi.RateLimit{Requests: 60, Per: time.Minute})
	max := a.Rate()
	a.Throttled()
	halved := a.Rate()
	require.InDelta(t, max/2, halved, 1e-12)
	a.Succeeded()
	seconds := 1 / halved // 2 s at the halved rate
	assert.InDelta(t, halved+max/20*seconds, a.Rate(), 1e-12)
}

// At a lowered rate the limiter keeps ⌊rate·Per⌋ calls per Per: halved
// from 4 per 100 ms, 2 calls go at once and the third waits.
func TestAdaptiveLimiter_LoweredRateKeepsBursts(t *testing.T) {
	a := iotapi.NewAdaptiveLimiter(iotapi.RateLimit{Requests: 4, Per: 100 * time.Millisecond})
	a.Throttled()
	require.Equal(t, 20.0, a.Rate())
	for i := 0; i < 2; i++ {
		require.NoError(t, a.Wait(context.Background()))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, a.Wait(ctx), context.DeadlineExceeded, "the third call's moment is 100 ms after the first")
	assert.Equal(t, iotapi.LimiterStats{Granted: 2, Refused: 1}, a.Stats())
}

func TestAdaptiveLimiter_SlowsDownOn429(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 8 s")
	}
	srv := quota(30, time.Second)
	a := iotapi.NewAdaptiveLimiter(iotapi.RateLimit{Requests: 121, Per: time.Second}) // configured 4x too fast
	c, _ := newClient(dt.Vendor, iotapi.WithMaxRetries(0), iotapi.WithRateLimit(a))
	hammer(t, c, serveHandler(t, srv).URL, 20, 4*time.Second)
	adaptiveShare := float64(int64(srv.Limited())) / float64(int64(srv.Accepted())+int64(srv.Limited()))

	fixed := quota(30, time.Second)
	c, _ = newClient(dt.Vendor, iotapi.WithMaxRetries(0), iotapi.WithRateLimit(iotapi.RateLimit{Requests: 120, Per: time.Second}.NewLimiter()))
	hammer(t, c, serveHandler(t, fixed).URL, 20, 4*time.Second)
	fixedShare := float64(int64(fixed.Limited())) / float64(int64(fixed.Accepted())+int64(fixed.Limited()))

	t.Logf("limit 30/s, limiter set to 120/s: adaptive %d answered 429 (%.1f%%, rate now %.1f/s), fixed %d (%.1f%%)",
		srv.Limited(), 100*adaptiveShare, a.Rate(), fixed.Limited(), 100*fixedShare)
	assert.Less(t, srv.Limited(), fixed.Limited()/3)
	assert.Less(t, a.Rate(), 60.0)
}

// BenchmarkWindowLimiter_Wait: the cost of a Wait that finds room, alone
// and from parallel goroutines, with up to 1,000 calls in the window's log.
func BenchmarkWindowLimiter_Wait(b *testing.B) {
	l := iotapi.RateLimit{Requests: 1000, Per: time.Microsecond}.NewLimiter()
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = l.Wait(ctx)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = l.Wait(ctx)
			}
		})
	})
}
