package iotapi_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
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
	// A cancel on a timer, not a deadline: rate.Limiter.Wait fails at once
	// when a reservation would land past a deadline, and the callers would
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

// TestRateLimit_ScaledDT: 50 goroutines against a server enforcing DT's
// limit scaled to 75 requests per second. Paced with the recommended
// setting, the calls reach at least 95% of the allowed rate and at most 1%
// are answered 429; the same run without pacing is reported beside it.
func TestRateLimit_ScaledDT(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 6 s")
	}
	scaled := iotapi.RateLimit{Requests: dt.RateLimit.Requests, Per: dt.RateLimit.Per / 10}
	const workers, run = 50, 3 * time.Second
	allowedRate := float64(scaled.Requests) / scaled.Per.Seconds()

	paced := quota(scaled.Requests, scaled.Per)
	c, _ := newClient(dt.Vendor, iotapi.WithMaxRetries(0), iotapi.WithRateLimit(scaled.NewLimiter()))
	hammer(t, c, serveHandler(t, paced).URL, workers, run)
	pacedRate := paced.Rate()
	pacedShare := float64(int64(paced.Limited())) / float64(int64(paced.Accepted())+int64(paced.Limited()))

	unpaced := quota(scaled.Requests, scaled.Per)
	c, _ = newClient(dt.Vendor, iotapi.WithMaxRetries(0))
	hammer(t, c, serveHandler(t, unpaced).URL, workers, run)
	unpacedShare := float64(int64(unpaced.Limited())) / float64(int64(unpaced.Accepted())+int64(unpaced.Limited()))

	t.Logf("scaled DT limit %d per %v, %d goroutines, %v each run", scaled.Requests, scaled.Per, workers, run)
	t.Logf("paced:   %d accepted (%.1f%% of the allowed %.0f/s), %d answered 429 (%.2f%%)",
		int64(paced.Accepted()), 100*pacedRate/allowedRate, allowedRate, int64(paced.Limited()), 100*pacedShare)
	t.Logf("unpaced: %d accepted (bursts at each window's edge), %d answered 429 (%.2f%%)",
		unpaced.Accepted(), unpaced.Limited(), 100*unpacedShare)
	assert.GreaterOrEqual(t, pacedRate/allowedRate, 0.95)
	assert.LessOrEqual(t, pacedShare, 0.01)
}

func TestRateLimit_Recommended(t *testing.T) {
	assert.InDelta(t, 74/10.2, float64(dt.RateLimit.Rate()), 1e-9, "(75-1) per 10 s, 2% of it left for arrival jitter")
	l := dt.RateLimit.NewLimiter()
	assert.Equal(t, 1, l.Burst())
	assert.Equal(t, rate.Every(time.Second), iotapi.RateLimit{Requests: 1, Per: time.Second}.Rate())
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
	a := iotapi.NewAdaptiveLimiter(iotapi.RateLimit{Requests: 101, Per: time.Second}) // 100/s
	max := 100 / 1.02                                                                 // (101-1) per second, 2% left for arrival jitter
	assert.InDelta(t, max, float64(a.Limit()), 1e-9)
	a.Throttled()
	assert.InDelta(t, max/2, float64(a.Limit()), 1e-9)
	a.Throttled() // within the cool-down: one halving per burst of 429s
	assert.InDelta(t, max/2, float64(a.Limit()), 1e-9)
	for i := 0; i < 49; i++ { // a second's worth of successes at the halved rate
		a.Succeeded()
	}
	assert.InDelta(t, max*0.55, float64(a.Limit()), 0.5, "+5% of the documented rate per second of successes")
	for i := 0; i < 2000; i++ {
		a.Succeeded()
	}
	assert.InDelta(t, max, float64(a.Limit()), 1e-9, "never above the documented rate")
}

// A limit below one request per second (Telemax V2: 60 per minute, 0.96/s)
// recovers at the same 5% of the documented rate per second: after a
// halving, one success stands for 1/rate seconds of successes.
func TestAdaptiveLimiter_SlowLimitRecovers(t *testing.T) {
	a := iotapi.NewAdaptiveLimiter(iotapi.RateLimit{Requests: 60, Per: time.Minute})
	max := float64(a.Limit())
	a.Throttled()
	halved := float64(a.Limit())
	require.InDelta(t, max/2, halved, 1e-12)
	a.Succeeded()
	seconds := 1 / halved // about 2 s at the halved rate
	assert.InDelta(t, halved+max/20*seconds, float64(a.Limit()), 1e-12)
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
	c, _ = newClient(dt.Vendor, iotapi.WithMaxRetries(0), iotapi.WithRateLimit(rate.NewLimiter(120, 1)))
	hammer(t, c, serveHandler(t, fixed).URL, 20, 4*time.Second)
	fixedShare := float64(int64(fixed.Limited())) / float64(int64(fixed.Accepted())+int64(fixed.Limited()))

	t.Logf("limit 30/s, limiter set to 120/s: adaptive %d answered 429 (%.1f%%, rate now %.1f/s), fixed %d (%.1f%%)",
		int64(srv.Limited()), 100*adaptiveShare, float64(a.Limit()), int64(fixed.Limited()), 100*fixedShare)
	assert.Less(t, int64(srv.Limited()), int64(fixed.Limited())/3)
	assert.Less(t, float64(a.Limit()), 60.0)
}
