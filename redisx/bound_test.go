package redisx_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/redisx"
	"github.com/iotapi/iotapi/redisx/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// A client kind is one way a user may build the client redisx is given.
type clientKind struct {
	name    string
	cluster bool // the server must be a cluster node
	client  func(addr string) redis.UniversalClient
}

// clientKinds are the clients a Redis that stops answering is tried with:
// the README's, go-redis's two ways of honouring a deadline (the context,
// or none at all), a ring and a cluster.
var clientKinds = []clientKind{
	{name: "Client", client: func(addr string) redis.UniversalClient {
		return redis.NewClient(&redis.Options{Addr: addr})
	}},
	{name: "ClientContextTimeout", client: func(addr string) redis.UniversalClient {
		return redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	}},
	{name: "ClientNoTimeouts", client: func(addr string) redis.UniversalClient {
		return redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: -1, WriteTimeout: -1, MaxRetries: 10})
	}},
	{name: "Universal", client: func(addr string) redis.UniversalClient {
		return redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr}})
	}},
	{name: "Ring", client: func(addr string) redis.UniversalClient {
		return redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"only": addr}})
	}},
	{name: "Cluster", cluster: true, client: func(addr string) redis.UniversalClient {
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}})
	}},
}

// stalled returns a Redis of the test's own, for a client of kind k, that
// answers until stop is called and then answers nothing (its process is
// paused until the test ends).
func stalled(t *testing.T, k clientKind) (rdb redis.UniversalClient, stop func()) {
	t.Helper()
	var srv *redistest.Server
	if k.cluster {
		srv = redistest.Start(t, "--cluster-enabled", "yes")
		srv.Cluster(t)
	} else {
		srv = redistest.Start(t)
	}
	rdb = k.client(srv.Addr)
	t.Cleanup(func() { rdb.Close() })
	return rdb, func() { srv.Pause(t) }
}

// returnsWithin runs f, which should return at bound, and checks that it
// did so within a generous second of it (a liveness check, not a
// measurement: the figure is logged).
func returnsWithin(t *testing.T, bound time.Duration, what string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	elapsed := time.Since(start)
	t.Logf("%s: returned after %v, %.1f ms past its %v bound", what, elapsed.Round(100*time.Microsecond),
		float64(elapsed-bound)/float64(time.Millisecond), bound)
	assert.Less(t, elapsed, bound+time.Second, "%s: returns at its bound", what)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestLimiter_RedisStopsAnswering: whatever client the Limiter was given,
// once Redis stops answering a Wait ends at the call timeout and paces
// with the fallback, which keeps the limit; a Wait whose deadline comes
// sooner ends at its deadline.
func TestLimiter_RedisStopsAnswering(t *testing.T) {
	rl := iotapi.RateLimit{Requests: 2, Per: 300 * time.Millisecond}
	for _, k := range clientKinds {
		t.Run(k.name, func(t *testing.T) {
			rdb, stop := stalled(t, k)
			key := testKey(t)
			fallback := rl.NewLimiter()
			l := redisx.NewLimiter(rdb, key, rl, redisx.WithFallback(fallback), redisx.WithLogger(quiet))
			require.NoError(t, l.Wait(context.Background()))
			require.Equal(t, int64(1), l.Stats().Granted, "through Redis while it answers")
			impatient := redisx.NewLimiter(rdb, key, rl, redisx.WithLogger(quiet))
			stop()

			returnsWithin(t, redisx.DefaultCallTimeout, "Wait", func() {
				assert.NoError(t, l.Wait(context.Background()))
			})
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			returnsWithin(t, 50*time.Millisecond, "Wait with a 50 ms deadline", func() {
				assert.ErrorIs(t, impatient.Wait(ctx), context.DeadlineExceeded)
			})

			// The fallback paces: two calls in its window go, the third
			// waits for the window to pass.
			require.NoError(t, l.Wait(context.Background()))
			require.NoError(t, l.Wait(context.Background()))
			st := fallback.Stats()
			assert.Equal(t, int64(3), st.Granted, "paced by the fallback")
			assert.Equal(t, int64(1), st.Delayed, "the third call in the window waited")
			assert.Equal(t, int64(1), l.Stats().Granted, "none through the silent Redis")
		})
	}
}

// TestTokenCache_RedisStopsAnswering: whatever client the TokenCache was
// given, once Redis stops answering a Token ends at the call timeout with
// a token fetched in the process; a Token whose deadline comes sooner
// ends at its deadline.
func TestTokenCache_RedisStopsAnswering(t *testing.T) {
	for _, k := range clientKinds {
		t.Run(k.name, func(t *testing.T) {
			rdb, stop := stalled(t, k)
			key := testKey(t)
			var fetches atomic.Int64
			fetch := func(context.Context) (*oauth2.Token, error) {
				fetches.Add(1)
				return &oauth2.Token{AccessToken: "local", Expiry: time.Now().Add(time.Hour)}, nil
			}
			warm := redisx.NewTokenCache(rdb, testKey(t), redisx.WithLogger(quiet))
			_, err := warm.Token(context.Background(), "", fetch) // connected, scripts loaded
			require.NoError(t, err)
			require.Equal(t, int64(1), fetches.Load())
			stop()

			cache := redisx.NewTokenCache(rdb, key, redisx.WithLogger(quiet))
			returnsWithin(t, redisx.DefaultCallTimeout, "Token", func() {
				tok, err := cache.Token(context.Background(), "", fetch)
				if assert.NoError(t, err) {
					assert.Equal(t, "local", tok.AccessToken)
				}
			})
			assert.Equal(t, int64(2), fetches.Load(), "fetched in the process")

			impatient := redisx.NewTokenCache(rdb, key, redisx.WithLogger(quiet))
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			returnsWithin(t, 50*time.Millisecond, "Token with a 50 ms deadline", func() {
				_, err := impatient.Token(ctx, "", fetch)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			})
			assert.Equal(t, int64(2), fetches.Load(), "no fetch for a caller that gave up")
		})
	}
}

// A Redis that stops answering while the lock is held: the fetched token
// comes back within one call timeout of the fetch.
func TestTokenCache_RedisStopsAnsweringMidRefresh(t *testing.T) {
	rdb, stop := stalled(t, clientKinds[0])
	cache := redisx.NewTokenCache(rdb, testKey(t), redisx.WithLogger(quiet))
	var fetched time.Time
	returnsWithin(t, redisx.DefaultCallTimeout, "Token after its fetch", func() {
		tok, err := cache.Token(context.Background(), "", func(context.Context) (*oauth2.Token, error) {
			stop()
			fetched = time.Now()
			return &oauth2.Token{AccessToken: "fresh", Expiry: time.Now().Add(time.Hour)}, nil
		})
		if assert.NoError(t, err) {
			assert.Equal(t, "fresh", tok.AccessToken)
		}
	})
	assert.False(t, fetched.IsZero())
}

// TestBreakerStore_RedisStopsAnswering: each of the BreakerStore's calls
// ends at its one-second bound once Redis stops answering.
func TestBreakerStore_RedisStopsAnswering(t *testing.T) {
	const bound = time.Second
	for _, k := range []clientKind{clientKinds[0], clientKinds[4]} {
		t.Run(k.name, func(t *testing.T) {
			rdb, stop := stalled(t, k)
			s := redisx.NewBreakerStore(rdb)
			name := testKey(t)
			require.NoError(t, s.SetData(name, []byte("closed")))
			stop()
			returnsWithin(t, bound, "GetData", func() { _, err := s.GetData(name); assert.Error(t, err) })
			returnsWithin(t, bound, "SetData", func() { assert.Error(t, s.SetData(name, []byte("open"))) })
			returnsWithin(t, bound, "TryLease", func() { _, err := s.TryLease(name+":probe", time.Second); assert.Error(t, err) })
			returnsWithin(t, bound, "Lock", func() { assert.NoError(t, s.Lock(name+":lock"), "Redis unreachable: the replica decides alone") })
			returnsWithin(t, bound, "Unlock", func() { assert.Error(t, s.Unlock(name+":lock")) })
		})
	}
}

// TestBreakerStore_AttemptEndsWithItsDeadline: a breaker reads the shared
// state before each attempt with the attempt's context, so a Redis that
// stops answering holds a call no longer than its deadline (not the
// store's one-second bound), and a caller's deadline is not taken for the
// store being down.
func TestBreakerStore_AttemptEndsWithItsDeadline(t *testing.T) {
	const deadline = 50 * time.Millisecond
	rdb, stop := stalled(t, clientKinds[0])
	var logs bytes.Buffer
	b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Name: testKey(t), Store: redisx.NewBreakerStore(rdb),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c := iotapi.NewClient(&http.Client{Timeout: deadline}, dt.Vendor, iotapi.WithCircuitBreaker(b),
		iotapi.WithMaxRetries(0))
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := c.Do(req) // the shared breaker is set up while Redis answers
	require.NoError(t, err)
	resp.Body.Close()

	stop()
	start := time.Now()
	req, _ = http.NewRequest(http.MethodGet, srv.URL, nil)
	_, err = c.Do(req)
	elapsed := time.Since(start)
	t.Logf("returned after %v, with a %v deadline", elapsed.Round(100*time.Microsecond), deadline)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, elapsed, 500*time.Millisecond, "ends with the deadline, not at the store's one-second bound")
	assert.Empty(t, logs.String(), "the caller's deadline is not the store failing")
}
