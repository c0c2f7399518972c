package iotapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memStore is a BreakerStore in memory, shared by the "replicas" of a
// test; it counts its calls, and can be made to fail.
type memStore struct {
	opened atomic.Int64 // when a state first said open (Unix ns)
	mu     sync.Mutex
	cond   *sync.Cond
	data   map[string][]byte
	locks  map[string]bool
	leases map[string]time.Time
	calls  atomic.Int64
	down   atomic.Bool
}

func newMemStore() *memStore {
	s := &memStore{data: map[string][]byte{}, locks: map[string]bool{}, leases: map[string]time.Time{}}
	s.cond = sync.NewCond(&s.mu)
	return s
}

var errStoreDown = errors.New("store down")

func (s *memStore) Lock(name string) error {
	s.calls.Add(1)
	if s.down.Load() {
		return nil // unreachable: report success, the next call fails (see BreakerStore)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.locks[name] {
		s.cond.Wait()
	}
	s.locks[name] = true
	return nil
}

func (s *memStore) Unlock(name string) error {
	s.calls.Add(1)
	if s.down.Load() {
		return errStoreDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.locks, name)
	s.cond.Broadcast()
	return nil
}

func (s *memStore) GetData(name string) ([]byte, error) {
	s.calls.Add(1)
	if s.down.Load() {
		return nil, errStoreDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.data[name]...), nil
}

func (s *memStore) SetData(name string, data []byte) error {
	s.calls.Add(1)
	if s.down.Load() {
		return errStoreDown
	}
	var st gobreaker.SharedState
	open := json.Unmarshal(data, &st) == nil && st.State == gobreaker.StateOpen
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[name] = append([]byte(nil), data...)
	if open { // stamped once written: a later read sees it
		s.opened.CompareAndSwap(0, time.Now().UnixNano())
	}
	return nil
}

func (s *memStore) TryLease(name string, ttl time.Duration) (bool, error) {
	s.calls.Add(1)
	if s.down.Load() {
		return false, errStoreDown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if until, held := s.leases[name]; held && time.Now().Before(until) {
		return false, nil
	}
	s.leases[name] = time.Now().Add(ttl)
	return true, nil
}

func (s *memStore) ReleaseLease(name string) error {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.leases, name)
	return nil
}

var _ iotapi.BreakerStore = (*memStore)(nil)

// flipVendor answers 503 while down, 200 otherwise, after a short delay,
// and counts what it receives.
type flipVendor struct {
	down     atomic.Bool
	requests atomic.Int64
	delay    time.Duration
}

func (v *flipVendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.requests.Add(1)
	time.Sleep(v.delay)
	if v.down.Load() {
		canned("dt", "503")(w, r)
		return
	}
	iotapitest.OK(`{}`)(w, r)
}

func TestCircuitBreaker_OpensFailsFastAndCloses(t *testing.T) {
	v := &flipVendor{}
	v.down.Store(true)
	srv := serveHandler(t, v)
	b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Failures: 3, CoolDown: 200 * time.Millisecond})
	c, _ := newClient(dt.Vendor, iotapi.WithCircuitBreaker(b), iotapi.WithMaxRetries(0))

	for i := 0; i < 3; i++ {
		_, err := get(t, c, srv.URL)
		require.ErrorIs(t, err, iotapi.Unavailable)
		assert.NotErrorIs(t, err, iotapi.ErrCircuitOpen)
	}
	assert.Equal(t, gobreaker.StateOpen, b.State())

	sent := v.requests.Load()
	_, err := get(t, c, srv.URL)
	require.ErrorIs(t, err, iotapi.ErrCircuitOpen)
	var apiErr *iotapi.APIError
	require.ErrorAs(t, err, &apiErr, "the vendor's last failure comes along")
	assert.Equal(t, 503, apiErr.StatusCode)
	var re *iotapi.RequestError
	require.ErrorAs(t, err, &re)
	assert.Zero(t, re.Attempts, "nothing was sent")
	assert.False(t, iotapi.IsRetryable(err))
	assert.Equal(t, sent, v.requests.Load())

	time.Sleep(250 * time.Millisecond) // past the cool-down: a probe goes
	_, err = get(t, c, srv.URL)
	require.ErrorIs(t, err, iotapi.Unavailable, "the probe failed: open again")
	_, err = get(t, c, srv.URL)
	require.ErrorIs(t, err, iotapi.ErrCircuitOpen)

	v.down.Store(false)
	time.Sleep(250 * time.Millisecond)
	for i := 0; i < 3; i++ {
		resp, err := get(t, c, srv.URL)
		require.NoError(t, err, "the probe succeeded: closed")
		resp.Body.Close()
	}
	assert.Equal(t, gobreaker.StateClosed, b.State())
}

// Only the vendor failing counts: a 4xx resets the count, a 429 and the
// caller's own cancellation leave it.
func TestCircuitBreaker_CountsOnlyTheVendorFailing(t *testing.T) {
	plan := iotapitest.NewPlan(
		iotapitest.Times(2, canned("dt", "503")), iotapitest.Times(1, canned("dt", "404")),
		iotapitest.Times(2, canned("dt", "503")), iotapitest.Times(3, canned("dt", "429")),
		iotapitest.Times(1, iotapitest.Delay(time.Second, iotapitest.OK(`{}`))),
		iotapitest.Always(canned("dt", "503")))
	srv := serve(t, plan)
	b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Failures: 3, CoolDown: time.Hour})
	c, _ := newClient(dt.Vendor, iotapi.WithCircuitBreaker(b), iotapi.WithMaxRetries(0))
	for i := 0; i < 8; i++ {
		_, _ = get(t, c, srv.URL)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer time.AfterFunc(50*time.Millisecond, cancel).Stop()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := c.Do(req)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, gobreaker.StateClosed, b.State(), "two failures in a row, no more")
	_, err = get(t, c, srv.URL)
	assert.NotErrorIs(t, err, iotapi.ErrCircuitOpen)
	assert.Equal(t, gobreaker.StateOpen, b.State(), "the third")
}

// A vendor that hangs is failing: an attempt that runs out of time counts,
// whether the Client's Timeout or the caller's deadline ends it.
func TestCircuitBreaker_CountsAHungVendor(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.Delay(time.Second, iotapitest.OK(`{}`)))))
	b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Failures: 2, CoolDown: time.Hour})
	opts := []iotapi.Option{iotapi.WithCircuitBreaker(b), iotapi.WithMaxRetries(0)}
	c := iotapi.NewClient(&http.Client{Timeout: 50 * time.Millisecond}, dt.Vendor, opts...)

	// A call whose deadline had passed before it was sent asked the
	// vendor nothing: it does not count.
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequestWithContext(expired, http.MethodGet, srv.URL, nil)
		_, err := c.Do(req)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	}
	assert.Equal(t, gobreaker.StateClosed, b.State(), "nothing was sent")

	_, err := get(t, c, srv.URL)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, gobreaker.StateClosed, b.State())

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err = iotapi.NewClient(nil, dt.Vendor, opts...).Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, gobreaker.StateOpen, b.State(), "two attempts in a row ran out of time")
	_, err = get(t, c, srv.URL)
	assert.ErrorIs(t, err, iotapi.ErrCircuitOpen)
}

// A fleet: 8 replicas × 25 goroutines share one breaker through a store;
// the vendor is down for 10,000 calls, then recovers.
func TestCircuitBreaker_FleetSharesOneBreaker(t *testing.T) {
	const replicas, workers, calls = 8, 25, 10000
	const coolDown = 300 * time.Millisecond
	store := newMemStore()
	v := &flipVendor{delay: 2 * time.Millisecond}
	v.down.Store(true)
	srv := serveHandler(t, v)
	// A request whose attempt began after the breaker opened, and that
	// still reached the transport, was let through after it opened.
	type began struct{}
	var late atomic.Int64
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if at, _ := r.Context().Value(began{}).(int64); at != 0 {
			if o := store.opened.Load(); o != 0 && at > o {
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
		b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Name: "dt:project-42", Failures: 5, CoolDown: coolDown, Store: store})
		clients[i] = iotapi.NewClient(&http.Client{Transport: base}, dt.Vendor, iotapi.WithCircuitBreaker(b), stamp,
			iotapi.WithRecordedWaits(func(time.Duration) {}))
	}
	var refused, refusedNanos atomic.Int64
	fleet := func(n int, each func(err error, took time.Duration)) {
		var wg sync.WaitGroup
		jobs := make(chan int)
		for r := 0; r < replicas; r++ {
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(c *iotapi.Client) {
					defer wg.Done()
					for range jobs {
						req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
						start := time.Now()
						resp, err := c.Do(req)
						if err == nil {
							resp.Body.Close()
						}
						each(err, time.Since(start))
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
	fleet(calls, func(err error, took time.Duration) {
		if errors.Is(err, iotapi.ErrCircuitOpen) {
			refused.Add(1)
			refusedNanos.Add(int64(took))
		}
	})
	outage := time.Since(start)
	probes := int64(outage/coolDown) + 1 // cool-downs begun in the run, one probe each
	t.Logf("total outage, %d replicas × %d goroutines, %d calls in %v: the vendor got %d requests, %d let through after the breaker opened (the settings allow %d probes); %d calls failed at once, %v each on average with %d goroutines on %d cores",
		replicas, workers, calls, outage.Round(time.Millisecond), v.requests.Load(), late.Load(), probes, refused.Load(),
		time.Duration(refusedNanos.Load()/max(refused.Load(), 1)), replicas*workers, runtime.NumCPU())
	assert.GreaterOrEqual(t, refused.Load(), int64(calls-replicas*workers), "every call after the opening failed at once")
	assert.LessOrEqual(t, late.Load(), probes, "after it opened: only the probes the settings allow")

	// The vendor recovers: within one cool-down, calls get through again.
	v.down.Store(false)
	recovered := time.Now()
	deadline := recovered.Add(coolDown + time.Second) // a generous bound on a busy machine
	var ok atomic.Int64
	for time.Now().Before(deadline) && ok.Load() < replicas {
		ok.Store(0)
		fleet(replicas, func(err error, _ time.Duration) {
			if err == nil {
				ok.Add(1)
			}
		})
		time.Sleep(10 * time.Millisecond)
	}
	back := time.Since(recovered)
	t.Logf("the vendor recovered: every replica's calls succeed again after %v (cool-down %v)", back.Round(time.Millisecond), coolDown)
	assert.Equal(t, int64(replicas), ok.Load(), "all replicas back within one cool-down")
}

// Without a breaker, the same outage costs the vendor every call.
func TestCircuitBreaker_WithoutOneTheVendorGetsEveryCall(t *testing.T) {
	v := &flipVendor{}
	v.down.Store(true)
	srv := serveHandler(t, v)
	c := iotapi.NewClient(&http.Client{}, dt.Vendor, iotapi.WithRecordedWaits(func(time.Duration) {}))
	run(t, 10000, 200, func() bool { return doGet(c, srv.URL) })
	t.Logf("without a breaker: %d requests for 10000 calls", v.requests.Load())
	assert.GreaterOrEqual(t, v.requests.Load(), int64(10000))
}

// The store fails: each replica decides alone, after one warning.
func TestCircuitBreaker_StoreDownFallsBackToLocal(t *testing.T) {
	v := &flipVendor{}
	v.down.Store(true)
	srv := serveHandler(t, v)
	store := newMemStore()
	store.down.Store(true)
	var logs bytes.Buffer
	b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Name: "x", Failures: 2, CoolDown: time.Hour, Store: store,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c, _ := newClient(dt.Vendor, iotapi.WithCircuitBreaker(b), iotapi.WithMaxRetries(0))
	for i := 0; i < 5; i++ {
		_, _ = get(t, c, srv.URL)
	}
	assert.Equal(t, int64(2), v.requests.Load(), "the local breaker opened after two failures")
	assert.Equal(t, 1, bytes.Count(logs.Bytes(), []byte("circuit breaker store unreachable")), "one warning")
	_, err := get(t, c, srv.URL)
	assert.ErrorIs(t, err, iotapi.ErrCircuitOpen)
}

// Each caller's error is its own: redacting it changes nothing another
// caller holds, or the failure the breaker keeps for the next ones.
func TestCircuitBreaker_ErrorsAreTheCallersOwn(t *testing.T) {
	srv := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Note", "internal-42")
		canned("dt", "503")(w, r)
	}))
	b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Failures: 1, CoolDown: time.Hour})
	var kept []*iotapi.APIError
	var mu sync.Mutex
	keep := iotapi.WithHooks(iotapi.Hooks{AttemptEnd: func(_ context.Context, _ iotapi.AttemptInfo, r iotapi.AttemptResult) {
		if r.Failure != nil {
			mu.Lock()
			kept = append(kept, r.Failure)
			mu.Unlock()
		}
	}})
	c, _ := newClient(dt.Vendor, iotapi.WithCircuitBreaker(b), iotapi.WithMaxRetries(0), keep)
	_, first := get(t, c, srv.URL)
	var e *iotapi.APIError
	require.ErrorAs(t, first, &e)
	e.Redact("internal-42")

	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				_, err := get(t, c, srv.URL)
				var e *iotapi.APIError
				if assert.ErrorIs(t, err, iotapi.ErrCircuitOpen) && assert.ErrorAs(t, err, &e) {
					assert.Equal(t, "internal-42", e.Header.Get("X-Note"), "another caller's Redact")
					e.Redact("internal-42")
				}
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, kept, 1)
	assert.Equal(t, "internal-42", kept[0].Header.Get("X-Note"), "the hook's copy, apart from the caller's")
	assert.Zero(t, kept[0].Attempts, "the call completes its own error, not the hook's")
}

// lateLimiter lets each attempt go, but only once the context's deadline
// has passed (a shared limiter whose answer came back just too late).
type lateLimiter struct{}

func (lateLimiter) Wait(ctx context.Context) error {
	if d, ok := ctx.Deadline(); ok {
		time.Sleep(time.Until(d) + 2*time.Millisecond)
	}
	return nil
}

// slowStore answers like memStore, after a delay (a Redis under load).
type slowStore struct {
	*memStore
	delay time.Duration
}

func (s slowStore) GetData(name string) ([]byte, error) {
	time.Sleep(s.delay)
	return s.memStore.GetData(name)
}

// A caller's deadline that passes while the limiter or the breaker's
// store is consulted asks the vendor nothing: the attempt is not sent and
// does not count, so callers with short deadlines cannot open the breaker
// on a healthy vendor for everyone.
func TestCircuitBreaker_DeadlineBeforeSendingDoesNotCount(t *testing.T) {
	for name, setup := range map[string]func() (*iotapi.CircuitBreaker, []iotapi.Option){
		"limiter answers late": func() (*iotapi.CircuitBreaker, []iotapi.Option) {
			b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Failures: 3, CoolDown: time.Hour})
			return b, []iotapi.Option{iotapi.WithRateLimit(lateLimiter{})}
		},
		"store answers late": func() (*iotapi.CircuitBreaker, []iotapi.Option) {
			st := slowStore{newMemStore(), 20 * time.Millisecond}
			return iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Name: "slow", Failures: 3, CoolDown: time.Hour, Store: st}), nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			v := &flipVendor{}
			srv := serveHandler(t, v)
			b, opts := setup()
			c, _ := newClient(dt.Vendor, append(opts, iotapi.WithCircuitBreaker(b), iotapi.WithMaxRetries(0))...)
			for i := 0; i < 3; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
				_, err := c.Do(req)
				cancel()
				require.ErrorIs(t, err, context.DeadlineExceeded)
				var re *iotapi.RequestError
				if assert.ErrorAs(t, err, &re) {
					assert.Zero(t, re.Attempts, "nothing was sent")
				}
			}
			assert.Zero(t, v.requests.Load(), "the vendor was asked nothing")
			assert.Equal(t, gobreaker.StateClosed, b.State())
		})
	}
}

// The shared state goes away after the breaker has read it (it expires a
// day after anyone last wrote it, and a healthy vendor's successes are not
// written): it is written again, the failures count in it, and the store
// is not taken for down.
func TestCircuitBreaker_SharedStateThatExpired(t *testing.T) {
	v := &flipVendor{}
	srv := serveHandler(t, v)
	store := newMemStore()
	var logs bytes.Buffer
	b := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Name: "expiring", Failures: 3, CoolDown: time.Hour, Store: store,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c, _ := newClient(dt.Vendor, iotapi.WithCircuitBreaker(b), iotapi.WithMaxRetries(0))
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	resp.Body.Close()

	store.mu.Lock()
	clear(store.data)
	store.mu.Unlock()
	v.down.Store(true)
	for i := 0; i < 3; i++ {
		_, err := get(t, c, srv.URL)
		require.Error(t, err)
	}
	assert.Equal(t, gobreaker.StateOpen, b.State(), "three failures in a row")
	assert.Empty(t, logs.String(), "the store answered all along")
}
