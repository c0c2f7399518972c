package iotapi_test

import (
	"io"
	"math/rand/v2"
	"net/http"
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
// multiplying load. Target: at most 1.1 attempts per call over 1,000 calls.
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
	assert.LessOrEqual(t, ours, 1.1)
	assert.InDelta(t, 5.0, rawRatio, 0.001)

	_, err := get(t, c, url)
	assert.ErrorIs(t, err, iotapi.ErrRetryBudgetExhausted)
	assert.Contains(t, err.Error(), "too many recent calls failed, so the client paused retries")
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
	c, _ := newClient(dt.Vendor, iotapi.WithRetryBudget(10)) // two retries' worth
	for i := 0; i < 5; i++ {
		_, _ = get(t, c, srv.URL)
	}
	_, err := get(t, c, srv.URL)
	require.ErrorIs(t, err, iotapi.ErrRetryBudgetExhausted)

	healthy.Store(true)
	for i := 0; i < 10; i++ { // ten successes earn ten tokens
		require.True(t, doGet(c, srv.URL))
	}
	healthy.Store(false)
	_, err = get(t, c, srv.URL)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 3, e.Attempts, "retries resume: the refilled ten tokens pay for two")
}

func TestRetryBudget_Disabled(t *testing.T) {
	srv := &counting{next: iotapitest.NewPlan(iotapitest.Always(canned("dt", "503")))}
	url := serveHandler(t, srv).URL
	c, _ := newClient(dt.Vendor, iotapi.WithRetryBudget(0))
	for i := 0; i < 50; i++ {
		_, _ = get(t, c, url)
	}
	assert.Equal(t, int64(200), srv.n.Load())
}
