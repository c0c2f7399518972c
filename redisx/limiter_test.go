package redisx_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/redisx"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// quota is a server enforcing limit per window, with DT's 429 over it.
func quota(limit int, window time.Duration) *iotapitest.Quota {
	return iotapitest.NewQuota(limit, window, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429"))
}

// replicas runs one client per limiter, each from workers goroutines, for d.
func replicas(t *testing.T, url string, limiters []iotapi.Limiter, workers int, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(d, cancel)
	defer cancel()
	var wg sync.WaitGroup
	for _, l := range limiters {
		c := iotapi.NewClient(&http.Client{}, dt.Vendor, iotapi.WithMaxRetries(0), iotapi.WithRateLimit(l))
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
	}
	wg.Wait()
}

// TestLimiter_FourReplicasShareOneQuota: four independent clients (as four
// replicas: separate limiters, separate Redis connections) against one
// server enforcing DT's limit scaled to 75 per second. Sharing the limit
// through Redis: at most 1% 429s and at least 90% of the allowed rate.
// Each with its own local limiter instead: reported beside it.
func TestLimiter_FourReplicasShareOneQuota(t *testing.T) {
	key := testKey(t)
	scaled := iotapi.RateLimit{Requests: dt.RateLimit.Requests, Per: dt.RateLimit.Per / 10}
	const run, perReplica = 3 * time.Second, 10
	allowed := float64(scaled.Requests) / scaled.Per.Seconds()

	shared := quota(scaled.Requests, scaled.Per)
	srv := httptest.NewServer(shared)
	defer srv.Close()
	var ls []iotapi.Limiter
	for i := 0; i < 4; i++ {
		ls = append(ls, redisx.NewLimiter(newRedis(t), key, scaled))
	}
	replicas(t, srv.URL, ls, perReplica, run)
	sharedShare := float64(shared.Limited()) / float64(shared.Accepted()+shared.Limited())

	local := quota(scaled.Requests, scaled.Per)
	srv2 := httptest.NewServer(local)
	defer srv2.Close()
	ls = nil
	for i := 0; i < 4; i++ {
		ls = append(ls, scaled.NewLimiter())
	}
	replicas(t, srv2.URL, ls, perReplica, run)
	localShare := float64(local.Limited()) / float64(local.Accepted()+local.Limited())

	t.Logf("4 replicas x %d goroutines, limit %d per %v, %v each run", perReplica, scaled.Requests, scaled.Per, run)
	t.Logf("shared Redis limiter: %d accepted (%.1f%% of the allowed %.0f/s), %d answered 429 (%.2f%%)",
		shared.Accepted(), 100*shared.Rate()/allowed, allowed, shared.Limited(), 100*sharedShare)
	t.Logf("local limiters:       %d accepted (the quota's maximum), %d answered 429 (%.2f%%)",
		local.Accepted(), local.Limited(), 100*localShare)
	assert.LessOrEqual(t, sharedShare, 0.01)
	assert.GreaterOrEqual(t, shared.Rate()/allowed, 0.90)
}

func TestLimiter_FallsBackWhenRedisIsDown(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer dead.Close()
	var logs bytes.Buffer
	var fallbackWaits atomic.Int64
	l := redisx.NewLimiter(dead, "k", dt.RateLimit,
		redisx.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		redisx.WithFallback(countingLimiter{&fallbackWaits}))
	start := time.Now()
	for i := 0; i < 5; i++ {
		require.NoError(t, l.Wait(context.Background()), "calls go on without Redis")
	}
	assert.Less(t, time.Since(start), 2*time.Second, "never blocks on a dead Redis")
	assert.Equal(t, int64(5), fallbackWaits.Load())
	assert.Equal(t, 1, bytes.Count(logs.Bytes(), []byte("Redis unreachable")), "one warning, then quiet until the retry")
}

type countingLimiter struct{ n *atomic.Int64 }

func (c countingLimiter) Wait(context.Context) error { c.n.Add(1); return nil }

func TestLimiter_WaitEndsWithContext(t *testing.T) {
	l := redisx.NewLimiter(newRedis(t), testKey(t), iotapi.RateLimit{Requests: 2, Per: time.Hour})
	require.NoError(t, l.Wait(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, l.Wait(ctx), context.DeadlineExceeded)
}

func TestPacing(t *testing.T) {
	for _, c := range []struct {
		rl          iotapi.RateLimit
		rate, burst int
	}{
		{dt.RateLimit, 72, 3},
		{iotapi.RateLimit{Requests: 60, Per: time.Minute}, 58, 2},
		{iotapi.RateLimit{Requests: 10, Per: time.Minute}, 9, 1},
		{iotapi.RateLimit{Requests: 2000, Per: 5 * time.Minute}, 1920, 80},
		{iotapi.RateLimit{Requests: 1, Per: time.Second}, 1, 1},
	} {
		p := redisx.Pacing(c.rl)
		assert.Equal(t, c.rate, p.Rate)
		assert.Equal(t, c.burst, p.Burst)
		assert.Equal(t, time.Duration(float64(c.rl.Per)*1.02), p.Period, "2% of the window for arrival jitter")
		assert.LessOrEqual(t, p.Rate+p.Burst, max(c.rl.Requests, 2), "no window holds more than the limit")
	}
}
