package iotapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Helpers shared by this package's tests.

// sleeps records the waits the client plans, instead of sleeping them.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) record(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// serve starts a loopback server for plan.
func serve(t *testing.T, plan *iotapitest.Plan) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(plan)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a Client whose waits are recorded, not slept.
func newClient(v iotapi.Vendor, opts ...iotapi.Option) (*iotapi.Client, *sleeps) {
	s := &sleeps{}
	opts = append([]iotapi.Option{iotapi.WithRecordedWaits(s.record), iotapi.WithRand(func() float64 { return 0.5 })}, opts...)
	return iotapi.NewClient(&http.Client{}, v, opts...), s
}

func get(t *testing.T, c *iotapi.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	return c.Do(req)
}

func canned(vendor, name string) iotapitest.Action {
	return iotapitest.Respond(iotapitest.MustLookup(vendor, name))
}

func serveHandler(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	return serve(t, iotapitest.NewPlan(iotapitest.Always(h.ServeHTTP)))
}

// counting serves plan and counts attempts.
type counting struct {
	n    atomic.Int64
	next http.Handler
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.next.ServeHTTP(w, r)
}

// run makes calls from workers goroutines and returns the successes.
func run(t *testing.T, calls, workers int, do func() bool) int {
	t.Helper()
	var ok atomic.Int64
	var wg sync.WaitGroup
	jobs := make(chan struct{})
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if do() {
					ok.Add(1)
				}
			}
		}()
	}
	for i := 0; i < calls; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	return int(ok.Load())
}

// Planted credentials: each must stay out of everything the library prints.
var planted = map[string]string{
	"authorization": "bearer-PLANTED-a1",
	"cookie":        "cookie-PLANTED-b2",
	"access_token":  "query-PLANTED-c3",
	"token":         "query-PLANTED-d4",
	"client_secret": "query-PLANTED-e5",
	"api_key":       "query-PLANTED-f6",
	"body":          "body-PLANTED-g7",
}

// secretRequest builds a request carrying every planted credential.
func secretRequest(t *testing.T, method, base string) *http.Request {
	t.Helper()
	url := fmt.Sprintf("%s/v1/things?access_token=%s&token=%s&client_secret=%s&api_key=%s&page=2",
		base, planted["access_token"], planted["token"], planted["client_secret"], planted["api_key"])
	req, err := http.NewRequest(method, url, strings.NewReader(`{"password":"`+planted["body"]+`"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+planted["authorization"])
	req.Header.Set("Cookie", "sid="+planted["cookie"])
	req.Header.Set("Idempotency-Key", "k1")
	return req
}

// echoing answers like a careless gateway: it echoes the credentials it
// received into response headers, around a documented error body.
func echoing(resp iotapitest.Response) iotapitest.Action {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", r.Header.Get("Cookie"))
		w.Header().Set("Authorization", r.Header.Get("Authorization"))
		w.Header().Set("X-Auth-Token", r.Header.Get("Authorization"))
		w.Header().Set("X-Api-Key", r.URL.Query().Get("api_key"))
		resp.ServeHTTP(w, r)
	}
}

func assertNoPlanted(t *testing.T, where, text string) {
	t.Helper()
	for name, secret := range planted {
		assert.NotContainsf(t, text, secret, "%s leaks the %s credential", where, name)
	}
}
