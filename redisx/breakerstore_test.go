package redisx_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

// downVendor answers 503 while down, 200 otherwise, and counts requests.
type downVendor struct {
	down     atomic.Bool
	requests atomic.Int64
}

func (v *downVendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.requests.Add(1)
	time.Sleep(2 * time.Millisecond)
	if v.down.Load() {
		iotapitest.MustLookup("dt", "503").ServeHTTP(w, r)
		return
	}
	iotapitest.OK(`{}`)(w, r)
}

// Eight replicas, each with its own Redis connection and breaker, share
// one breaker state: a total outage of 10,000 calls from 8 × 25
// goroutines; then the vendor recovers.
func TestBreakerStore_EightReplicasShareOneBreaker(t *testing.T) {
	const replicas, workers, calls = 8, 25, 10000
	const coolDown = 500 * time.Millisecond
	v := &downVendor{}
	v.down.Store(true)
	srv := httptest.NewServer(v)
	defer srv.Close()
	name := redisx.AccountKey("dt", fmt.Sprintf("breaker-%d", time.Now().UnixNano()))

	// A request whose attempt began after a replica first failed a call at
	// once, and that still reached the transport, was let through after
	// the breaker opened.
	type began struct{}
	var opened, late atomic.Int64
	base := roundTrip(func(r *http.Request) (*http.Response, error) {
		if at, _ := r.Context().Value(began{}).(int64); at != 0 {
			if o := opened.Load(); o != 0 && at > o {
				late.Add(1)
			}
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	stamp := iotapi.WithHooks(iotapi.Hooks{AttemptStart: func(ctx context.Context, _ iotapi.AttemptInfo) context.Context {
		return context.WithValue(ctx, began{}, time.Now().UnixNano())
	}})
	clients := make([]*iotapi.Client, replicas)
	for i := range clients {
		b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Name: name, Failures: 5, CoolDown: coolDown,
			Store: redisx.NewBreakerStore(newRedis(t))})
		clients[i] = iotapi.NewClient(&http.Client{Transport: base}, dt.Vendor, iotapi.WithCircuitBreaker(b), stamp, iotapi.WithMaxRetries(0))
	}
	var refused atomic.Int64
	fleet := func(n int, each func(error)) {
		var wg sync.WaitGroup
		jobs := make(chan int)
		for r := 0; r < replicas; r++ {
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(c *iotapi.Client) {
					defer wg.Done()
					for range jobs {
						req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
						resp, err := c.Do(req)
						if err == nil {
							resp.Body.Close()
						}
						each(err)
					}
				}(clients[r])
			}
		}
		for i := 0; i < n; i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
	}
	start := time.Now()
	fleet(calls, func(err error) {
		if errors.Is(err, iotapi.ErrCircuitOpen) {
			opened.CompareAndSwap(0, time.Now().UnixNano())
			refused.Add(1)
		}
	})
	outage := time.Since(start)
	probes := int64(outage/coolDown) + 1
	t.Logf("total outage through Redis, %d replicas × %d goroutines, %d calls in %v: the vendor got %d requests, %d let through after the breaker opened (the settings allow %d probes); %d failed at once",
		replicas, workers, calls, outage.Round(time.Millisecond), v.requests.Load(), late.Load(), probes, refused.Load())
	assert.LessOrEqual(t, late.Load(), probes, "after it opened: only the probes the settings allow")
	assert.GreaterOrEqual(t, refused.Load(), int64(calls-replicas*workers*2))

	v.down.Store(false)
	recovered := time.Now()
	var ok atomic.Int64
	for time.Since(recovered) < coolDown+2*time.Second && ok.Load() < replicas {
		ok.Store(0)
		fleet(replicas, func(err error) {
			if err == nil {
				ok.Add(1)
			}
		})
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("the vendor recovered: calls succeed on every replica again after %v (cool-down %v)", time.Since(recovered).Round(time.Millisecond), coolDown)
	assert.Equal(t, int64(replicas), ok.Load())
}

// Redis unreachable: each replica's breaker decides alone, with one
// warning.
func TestBreakerStore_RedisUnreachable(t *testing.T) {
	v := &downVendor{}
	v.down.Store(true)
	srv := httptest.NewServer(v)
	defer srv.Close()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer dead.Close()
	var logs bytes.Buffer
	b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Name: "x", Failures: 2, CoolDown: time.Hour,
		Store: redisx.NewBreakerStore(dead), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c := iotapi.NewClient(&http.Client{}, dt.Vendor, iotapi.WithCircuitBreaker(b), iotapi.WithMaxRetries(0))
	var last error
	for i := 0; i < 5; i++ {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		_, last = c.Do(req)
	}
	assert.ErrorIs(t, last, iotapi.ErrCircuitOpen)
	assert.Equal(t, int64(2), v.requests.Load())
	assert.Equal(t, 1, bytes.Count(logs.Bytes(), []byte("store unreachable")))
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// State the store did not write: a lock and a lease that would never
// expire hold the replicas up no longer than its own would (the lock's
// two seconds, the lease's TTL), and another type under a state's key
// reads as no state.
func TestBreakerStore_RepairsWhatItDidNotWrite(t *testing.T) {
	ctx := context.Background()
	rdb := newRedis(t)
	name := testKey(t)
	s := redisx.NewBreakerStore(newRedis(t))

	require.NoError(t, rdb.Set(ctx, name+":lock", "restored", 0).Err())
	start := time.Now()
	var err error
	for err = s.Lock(name + ":lock"); errors.Is(err, iotapi.ErrBreakerBusy) && time.Since(start) < 10*time.Second; err = s.Lock(name + ":lock") {
	}
	require.NoError(t, err)
	t.Logf("a lock with no expiry: taken after %v", time.Since(start).Round(time.Millisecond))
	assert.Less(t, time.Since(start), 10*time.Second)
	require.NoError(t, s.Unlock(name+":lock"))

	require.NoError(t, rdb.Set(ctx, name+":lease", "restored", 0).Err())
	ok, err := s.TryLease(name+":lease", 200*time.Millisecond)
	require.NoError(t, err)
	assert.False(t, ok, "held")
	time.Sleep(300 * time.Millisecond)
	ok, err = s.TryLease(name+":lease", 200*time.Millisecond)
	require.NoError(t, err)
	assert.True(t, ok, "within the lease's TTL, not never")
	ok, err = s.TryLease(name+":lease", 200*time.Millisecond)
	require.NoError(t, err)
	assert.False(t, ok, "a lease is not taken twice")
	require.NoError(t, s.ReleaseLease(name+":lease"))

	require.NoError(t, rdb.HSet(ctx, name+":state", "a", "b").Err())
	data, err := s.GetData(name + ":state")
	require.NoError(t, err)
	assert.Nil(t, data)
	require.NoError(t, s.SetData(name+":state", []byte("state")))
	data, err = s.GetData(name + ":state")
	require.NoError(t, err)
	assert.Equal(t, "state", string(data))
}
