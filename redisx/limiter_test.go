package redisx_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
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

// windows returns how long n windows of rl last, with their jitter
// allowance.
func windows(rl iotapi.RateLimit, n int) time.Duration {
	return time.Duration(n) * (rl.Per + rl.JitterAllowance())
}

// replicas runs one client per limiter, each from workers goroutines, for
// d. Each client's transport keeps a connection per goroutine, as a
// service's tuned transport would: a burst reuses connections instead of
// dialling anew.
func replicas(t *testing.T, url string, limiters []iotapi.Limiter, workers int, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(d, cancel)
	defer cancel()
	var wg sync.WaitGroup
	for _, l := range limiters {
		tr := &http.Transport{MaxIdleConnsPerHost: workers}
		defer tr.CloseIdleConnections()
		c := iotapi.NewClient(&http.Client{Transport: tr}, dt.Vendor, iotapi.WithMaxRetries(0), iotapi.WithRateLimit(l))
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

// shareOneQuota runs n replicas (separate limiters, separate Redis
// connections) of 10 goroutines each for three windows against one server
// enforcing DT's limit, 75 requests per 10 s, as a sliding log: sharing
// the limit through Redis, no call is answered 429 and the calls use at
// least 98% of the quota.
func shareOneQuota(t *testing.T, n int) {
	key := testKey(t)
	const perReplica = 10
	shared := quota(dt.RateLimit.Requests, dt.RateLimit.Per)
	srv := httptest.NewServer(shared)
	defer srv.Close()
	var ls []iotapi.Limiter
	var all []*redisx.Limiter
	for i := 0; i < n; i++ {
		l := redisx.NewLimiter(newRedis(t), key, dt.RateLimit)
		ls, all = append(ls, l), append(all, l)
	}
	run := windows(dt.RateLimit, 3) + 100*time.Millisecond
	replicas(t, srv.URL, ls, perReplica, run)
	var st iotapi.LimiterStats
	for _, l := range all {
		s := l.Stats()
		st.Granted, st.Delayed = st.Granted+s.Granted, st.Delayed+s.Delayed
	}
	t.Logf("%d replicas x %d goroutines, limit %d per %v, %v", n, perReplica, dt.RateLimit.Requests, dt.RateLimit.Per, run)
	t.Logf("shared Redis limiter: %d accepted, %.2f%% of the quota used, %d answered 429; %d calls let go, %d after a wait",
		shared.Accepted(), 100*shared.Utilization(), shared.Limited(), st.Granted, st.Delayed)
	t.Logf("closest %d+1 calls: %v apart; arrival jitter used at most %v of the %v allowance",
		dt.RateLimit.Requests, shared.Tightest(), windows(dt.RateLimit, 1)-shared.Tightest(), dt.RateLimit.JitterAllowance())
	assert.Zero(t, shared.Limited(), "no call answered 429")
	assert.GreaterOrEqual(t, shared.Accepted(), 3*dt.RateLimit.Requests, "three windows' worth")
	assert.GreaterOrEqual(t, shared.Utilization(), 0.98)
}

// TestLimiter_FourReplicasShareOneQuota: four replicas share the quota
// through Redis (see shareOneQuota); four local limiters instead, for 2 s,
// are reported beside them.
func TestLimiter_FourReplicasShareOneQuota(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 33 s")
	}
	shareOneQuota(t, 4)

	local := quota(dt.RateLimit.Requests, dt.RateLimit.Per)
	srv := httptest.NewServer(local)
	defer srv.Close()
	var ls []iotapi.Limiter
	for i := 0; i < 4; i++ {
		ls = append(ls, dt.RateLimit.NewLimiter())
	}
	replicas(t, srv.URL, ls, 10, 2*time.Second)
	share := float64(local.Limited()) / float64(local.Accepted()+local.Limited())
	t.Logf("local limiters, 2 s: %d accepted (the quota), %d answered 429 (%.1f%%)", local.Accepted(), local.Limited(), 100*share)
	assert.Positive(t, local.Limited(), "the server enforces the limit")
}

// TestLimiter_EightReplicasShareOneQuota: eight replicas share the quota
// through Redis (see shareOneQuota).
func TestLimiter_EightReplicasShareOneQuota(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 31 s")
	}
	shareOneQuota(t, 8)
}

// TestLimiter_BurstGoesAtOnce: after a quiet window, up to Requests calls
// from two replicas go without waiting, for limits of 1, 2 and 75 calls;
// the next one's moment is an hour away, so with a deadline before it the
// call fails at once with an error matching context.DeadlineExceeded.
func TestLimiter_BurstGoesAtOnce(t *testing.T) {
	for _, n := range []int{1, 2, 75} {
		key := testKey(t)
		rl := iotapi.RateLimit{Requests: n, Per: time.Hour}
		a, b := redisx.NewLimiter(newRedis(t), key, rl), redisx.NewLimiter(newRedis(t), key, rl)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := a
				if i%2 == 1 {
					l = b
				}
				assert.NoError(t, l.Wait(context.Background()))
			}()
		}
		wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := a.Wait(ctx)
		cancel()
		assert.ErrorIs(t, err, context.DeadlineExceeded, "N=%d", n)
		sa, sb := a.Stats(), b.Stats()
		assert.Equal(t, int64(n), sa.Granted+sb.Granted, "N=%d", n)
		assert.Zero(t, sa.Delayed+sb.Delayed, "N=%d: none waited", n)
		assert.Equal(t, int64(1), sa.Refused)
	}
}

// countScripts counts the limiter script calls (EVALSHA and EVAL) a
// client makes: its Redis round trips.
type countScripts struct{ n atomic.Int64 }

func (c *countScripts) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *countScripts) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); name == "evalsha" || name == "eval" {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (c *countScripts) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// TestLimiter_RoundTrips: one replica, 1, 8 and 64 goroutines calling Wait
// in a loop against a limit of 1,000 calls per second, well below what they
// ask for: at most 2 Redis round trips per call let go, however many wait.
func TestLimiter_RoundTrips(t *testing.T) {
	rl := iotapi.RateLimit{Requests: 500, Per: 500 * time.Millisecond}
	for _, goroutines := range []int{1, 8, 64} {
		rdb := newRedis(t)
		var trips countScripts
		rdb.AddHook(&trips)
		l := redisx.NewLimiter(rdb, testKey(t), rl)
		ctx, cancel := context.WithTimeout(context.Background(), windows(rl, 3))
		var wg sync.WaitGroup
		for i := 0; i < goroutines; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for l.Wait(ctx) == nil {
				}
			}()
		}
		wg.Wait()
		cancel()
		st := l.Stats()
		perCall := float64(trips.n.Load()) / float64(st.Granted)
		t.Logf("%2d goroutines: %d calls let go (%d after a wait) in three windows, %d round trips: %.2f per call",
			goroutines, st.Granted, st.Delayed, trips.n.Load(), perCall)
		assert.GreaterOrEqual(t, st.Granted, int64(2*rl.Requests), "the limit, not Redis, bounds the calls")
		assert.LessOrEqual(t, perCall, 2.0)
	}
}

// TestLimiter_MemoryPerKey: the log of a full window of Endpoint Manager's
// 2,000 calls (and DT's 75) in Redis, as MEMORY USAGE reports it.
func TestLimiter_MemoryPerKey(t *testing.T) {
	for _, n := range []int{75, 2000} {
		rdb := newRedis(t)
		key := testKey(t)
		l := redisx.NewLimiter(rdb, key, iotapi.RateLimit{Requests: n, Per: time.Hour})
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); assert.NoError(t, l.Wait(context.Background())) }()
		}
		wg.Wait()
		bytes, err := rdb.MemoryUsage(context.Background(), key+":limit").Result()
		require.NoError(t, err)
		t.Logf("%d calls in the window: %d bytes, %.1f per call", n, bytes, float64(bytes)/float64(n))
		assert.Less(t, bytes, int64(16*n+512), "about 10 bytes a call")
		ttl, err := rdb.PTTL(context.Background(), key+":limit").Result()
		require.NoError(t, err)
		assert.InDelta(t, time.Hour, ttl, float64(time.Minute), "the log expires a window after its last call")
	}
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
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); assert.NoError(t, l.Wait(context.Background()), "calls go on without Redis") }()
	}
	wg.Wait()
	for i := 0; i < 5; i++ {
		require.NoError(t, l.Wait(context.Background()))
	}
	assert.Less(t, time.Since(start), 2*time.Second, "never blocks on a dead Redis")
	assert.Equal(t, int64(10), fallbackWaits.Load())
	assert.Equal(t, 1, bytes.Count(logs.Bytes(), []byte("Redis unreachable")), "one warning, then quiet until the retry")
}

// No option value panics: a nil logger is the default one.
func TestLimiter_NilOptions(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer dead.Close()
	var waits atomic.Int64
	l := redisx.NewLimiter(dead, "k", dt.RateLimit, redisx.WithLogger(nil), redisx.WithFallback(nil),
		redisx.WithCallTimeout(-1), redisx.WithRetryRedisAfter(-1), redisx.WithFallback(countingLimiter{&waits}))
	for i := 0; i < 3; i++ {
		require.NoError(t, l.Wait(context.Background()))
	}
	assert.Equal(t, int64(3), waits.Load())
}

type countingLimiter struct{ n *atomic.Int64 }

func (c countingLimiter) Wait(context.Context) error { c.n.Add(1); return nil }

// A wait that would pass the deadline fails at once with an error matching
// context.DeadlineExceeded; a cancelled wait gives its moment back, and
// the next call takes it.
func TestLimiter_WaitEndsWithContext(t *testing.T) {
	rl := iotapi.RateLimit{Requests: 1, Per: 300 * time.Millisecond}
	l := redisx.NewLimiter(newRedis(t), testKey(t), rl)
	require.NoError(t, l.Wait(context.Background()))

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, l.Wait(ctx), context.DeadlineExceeded)
	assert.NoError(t, ctx.Err(), "failed before the deadline")

	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Wait(ctx) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	require.NoError(t, l.Wait(context.Background()))
	st := l.Stats()
	assert.Equal(t, iotapi.LimiterStats{Granted: 2, Delayed: 1, Delay: st.Delay, Refused: 2}, st)
	assert.Less(t, st.Delay, windows(rl, 1), "the next call took the moment given back, not the one after")
}

// Limits at the edges: no limit never calls Redis; a window of the
// clock's whole range lets one call go and then none.
func TestLimiter_Extremes(t *testing.T) {
	rdb := newRedis(t)
	var trips countScripts
	rdb.AddHook(&trips)
	for _, rl := range []iotapi.RateLimit{{}, {Requests: -1, Per: time.Second}, {Requests: 5, Per: -1}} {
		l := redisx.NewLimiter(rdb, testKey(t), rl)
		for i := 0; i < 10; i++ {
			require.NoError(t, l.Wait(context.Background()))
		}
	}
	assert.Zero(t, trips.n.Load(), "no limit, no Redis")

	key := testKey(t)
	l := redisx.NewLimiter(rdb, key, iotapi.RateLimit{Requests: 1, Per: math.MaxInt64, Burst: 1})
	require.NoError(t, l.Wait(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := l.Wait(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, strings.Contains(err.Error(), "no call may go"), err.Error())
	require.NoError(t, rdb.Del(context.Background(), key+":limit").Err())
}
