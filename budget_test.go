package iotapi_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func doGet(c interface {
	Do(*http.Request) (*http.Response, error)
}, url string) bool {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestRetryBudget_OutageAmplification: under a total outage retries stop
// multiplying load: at most 1.05 attempts per call over 1,000 sequential
// calls, beside go-retryablehttp's defaults.
func TestRetryBudget_OutageAmplification(t *testing.T) {
	const calls = 1000
	srv := &counting{next: iotapitest.NewPlan(iotapitest.Always(canned("dt", "503")))}
	url := serveHandler(t, srv).URL

	c, _ := newClient(dt.Vendor)
	assert.Zero(t, run(t, calls, 1, func() bool { return doGet(c, url) }))
	ours := float64(srv.n.Load()) / calls

	srv.n.Store(0)
	raw := retryablehttp.NewClient()
	raw.Logger = nil
	raw.Backoff = func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 }
	run(t, calls, 1, func() bool {
		req, _ := retryablehttp.NewRequest(http.MethodGet, url, nil)
		resp, err := raw.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return false
	})
	rawRatio := float64(srv.n.Load()) / calls

	t.Logf("attempts per call, always-503, %d calls: iotapi %.3f, go-retryablehttp defaults %.3f", calls, ours, rawRatio)
	assert.LessOrEqual(t, ours, 1.05)
	assert.InDelta(t, 5.0, rawRatio, 0.001)

	_, err := get(t, c, url)
	assert.ErrorIs(t, err, iotapi.ErrRetryBudgetExhausted)
	assert.Contains(t, err.Error(), "too many recent calls failed, so the client paused retries")
}

// vendorAt answers in memory, after a short random delay so that
// concurrent calls interleave as over a network. The n-th attempt of a
// call fails with a 503 when the hash of the call's id (its X-Call header)
// and n falls under rate: the same calls fail the same way whatever the
// interleaving, so runs differ only by what the client decides.
type vendorAt struct {
	rate float64

	mu       sync.Mutex
	attempts map[string]int
	total    int
}

func (v *vendorAt) RoundTrip(r *http.Request) (*http.Response, error) {
	call := r.Header.Get("X-Call")
	v.mu.Lock()
	if v.attempts == nil {
		v.attempts = map[string]int{}
	}
	v.attempts[call]++
	n := v.attempts[call]
	v.total++
	v.mu.Unlock()
	time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
	status := http.StatusOK
	if id, _ := strconv.Atoi(call); fails(id, n, v.rate) {
		status = http.StatusServiceUnavailable
	}
	return &http.Response{StatusCode: status, Request: r, Body: http.NoBody, Header: http.Header{}}, nil
}

// doomed returns how many of calls fail every one of their attempts at
// v's rate: no retry policy can rescue them.
func (v *vendorAt) doomed(calls, attempts int) int {
	n := 0
	for i := 0; i < calls; i++ {
		all := true
		for a := 1; a <= attempts && all; a++ {
			all = fails(i, a, v.rate)
		}
		if all {
			n++
		}
	}
	return n
}

// fails reports whether attempt n of call id fails at rate: a draw of its
// own, the same in every run.
func fails(id, n int, rate float64) bool {
	return rand.New(rand.NewPCG(uint64(id), uint64(n))).Float64() < rate
}

// burst makes calls concurrent calls through c, and returns how many
// succeeded and how many stopped because the budget refused a retry.
func burst(t *testing.T, c *iotapi.Client, calls int) (ok, refused int) {
	t.Helper()
	var okN, refusedN atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < calls; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, "http://vendor.test/v1/devices", nil)
			req.Header.Set("X-Call", fmt.Sprint(i))
			resp, err := c.Do(req)
			switch {
			case err == nil:
				resp.Body.Close()
				okN.Add(1)
			case errors.Is(err, iotapi.ErrRetryBudgetExhausted):
				refusedN.Add(1)
			}
		}()
	}
	wg.Wait()
	return int(okN.Load()), int(refusedN.Load())
}

// TestRetryBudget_ScalesWithTheTraffic: one budget, measured both ways
// with 2,000 concurrent calls and 3 retries: a total outage costs at most
// 1.05 attempts per call, and random failures are rescued (at least 99.5%
// of calls succeed with 25% random 503s, 99.9% with 10%), the budget
// refusing almost no retry.
func TestRetryBudget_ScalesWithTheTraffic(t *testing.T) {
	const calls = 2000
	for _, c := range []struct {
		rate     float64
		atLeast  float64 // share of calls that succeed
		attempts float64 // at most, per call
	}{
		{rate: 1, atLeast: 0, attempts: 1.05},
		{rate: 0.25, atLeast: 0.995},
		{rate: 0.10, atLeast: 0.999},
	} {
		t.Run(fmt.Sprintf("%.0f%% 503s", 100*c.rate), func(t *testing.T) {
			v := &vendorAt{rate: c.rate}
			cl := iotapi.NewClient(&http.Client{Transport: v}, dt.Vendor, iotapi.WithMaxRetries(3),
				iotapi.WithRecordedWaits(func(time.Duration) {}))
			ok, refused := burst(t, cl, calls)
			doomed := 0
			if c.rate < 1 {
				doomed = v.doomed(calls, 4)
			}
			t.Logf("%d concurrent calls, %.0f%% random 503s: %.2f%% succeeded (%d failed all 4 attempts whatever the budget), %d budget refusals, %.3f attempts per call",
				calls, 100*c.rate, 100*float64(ok)/calls, doomed, refused, float64(v.total)/calls)
			assert.GreaterOrEqual(t, float64(ok)/calls, c.atLeast)
			if c.attempts > 0 {
				assert.LessOrEqual(t, float64(v.total)/calls, c.attempts)
			} else {
				assert.LessOrEqual(t, refused, calls/100, "at most 1% of calls see a refusal")
			}
		})
	}
}

// TestRetryBudget_OutageAmplificationConcurrent: a total outage met by
// 2,000 concurrent calls costs at most 1.05 attempts per call too.
func TestRetryBudget_OutageAmplificationConcurrent(t *testing.T) {
	const calls = 2000
	v := &vendorAt{rate: 1}
	cl := iotapi.NewClient(&http.Client{Transport: v}, dt.Vendor, iotapi.WithRecordedWaits(func(time.Duration) {}))
	ok, _ := burst(t, cl, calls)
	assert.Zero(t, ok)
	t.Logf("always-503, %d concurrent calls: %.3f attempts per call", calls, float64(v.total)/calls)
	assert.LessOrEqual(t, float64(v.total)/calls, 1.05)
}

// TestRetryBudget_TransientRescue: with 10% random 503s and 3 retries, at
// least 99.9% of calls succeed, from 50 goroutines sharing one client.
func TestRetryBudget_TransientRescue(t *testing.T) {
	const calls, workers = 5000, 50
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	fail := canned("dt", "503")
	srv := &counting{next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		bad := rng.Float64() < 0.10
		mu.Unlock()
		if bad {
			fail(w, r)
			return
		}
		iotapitest.OK(`{}`)(w, r)
	})}
	url := serveHandler(t, srv).URL
	c, _ := newClient(dt.Vendor, iotapi.WithMaxRetries(3))

	ok := run(t, calls, workers, func() bool { return doGet(c, url) })
	rate := float64(ok) / calls
	t.Logf("10%% random 503s, %d calls from %d goroutines: %.2f%% succeeded, %.3f attempts per call",
		calls, workers, 100*rate, float64(srv.n.Load())/calls)
	assert.GreaterOrEqual(t, rate, 0.999)
}

func TestRetryBudget_RefillsAfterRecovery(t *testing.T) {
	healthy := &atomic.Bool{}
	srv := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if healthy.Load() {
			iotapitest.OK(`{}`)(w, r)
			return
		}
		canned("dt", "503")(w, r)
	}))
	c, _ := newClient(dt.Vendor, iotapi.WithRetryBudget(iotapi.RetryBudget{Floor: 2, Ratio: 0.5, Window: time.Hour}))
	_, _ = get(t, c, srv.URL) // 3 retries wanted, 2 made
	_, err := get(t, c, srv.URL)
	require.ErrorIs(t, err, iotapi.ErrRetryBudgetExhausted)

	healthy.Store(true)
	for i := 0; i < 4; i++ { // four healthy answers earn two retries
		require.True(t, doGet(c, srv.URL))
	}
	healthy.Store(false)
	_, err = get(t, c, srv.URL)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 3, e.Attempts, "retries resume: the first call after recovery retries twice")
	assert.ErrorIs(t, err, iotapi.ErrRetryBudgetExhausted)
}

func TestRetryBudget_Disabled(t *testing.T) {
	srv := &counting{next: iotapitest.NewPlan(iotapitest.Always(canned("dt", "503")))}
	url := serveHandler(t, srv).URL
	c, _ := newClient(dt.Vendor, iotapi.WithoutRetryBudget())
	for i := 0; i < 50; i++ {
		_, _ = get(t, c, url)
	}
	assert.Equal(t, int64(200), srv.n.Load())
}
