package iotapi_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultServer answers with random faults and records, per call id, every
// attempt's body hash and the fault it got.
type faultServer struct {
	mu       sync.Mutex
	rng      *rand.Rand
	attempts map[string][]attempt
	opened   atomic.Int64
	active   atomic.Int64
}

type attempt struct {
	body  [32]byte
	fault string
}

func (s *faultServer) pick() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r := s.rng.Float64(); {
	case r < 0.05:
		return "429"
	case r < 0.10:
		return "500"
	case r < 0.15:
		return "503"
	case r < 0.18:
		return "reset"
	case r < 0.21:
		return "slow"
	case r < 0.24:
		return "truncated"
	}
	return "ok"
}

func (s *faultServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fault := s.pick()
	s.mu.Lock()
	id := r.Header.Get("X-Call-Id")
	s.attempts[id] = append(s.attempts[id], attempt{sha256.Sum256(body), fault})
	s.mu.Unlock()
	switch fault {
	case "429":
		iotapitest.Respond(iotapitest.MustLookup("dt", "429").WithHeader("Retry-After", "1"))(w, r)
	case "500":
		iotapitest.Respond(iotapitest.MustLookup("dt", "500"))(w, r)
	case "503":
		iotapitest.Respond(iotapitest.MustLookup("dt", "503"))(w, r)
	case "reset":
		iotapitest.Reset()(w, r)
	case "slow":
		iotapitest.Delay(20*time.Millisecond, iotapitest.OK(`{"ok":true}`))(w, r)
	case "truncated":
		w.Header().Set("Content-Length", "500")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"internal err`))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	default:
		iotapitest.OK(`{"ok":true}`)(w, r)
	}
}

// maybeProcessedFault: after these a POST without Idempotency-Key must not
// be sent again.
var maybeProcessedFault = map[string]bool{"500": true, "reset": true, "truncated": true}

func TestLoadWithFaults(t *testing.T) {
	workers, perWorker := 50, 200
	if testing.Short() {
		workers, perWorker = 10, 50
	}
	fs := &faultServer{rng: rand.New(rand.NewPCG(7, 11)), attempts: map[string][]attempt{}}
	srv := httptest.NewUnstartedServer(fs)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			fs.opened.Add(1)
			fs.active.Add(1)
		case http.StateClosed, http.StateHijacked:
			fs.active.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = workers
	client := iotapi.NewClient(&http.Client{Transport: tr, Timeout: 10 * time.Second}, dt.Vendor,
		iotapi.WithRecordedWaits(func(time.Duration) {}),
		iotapi.WithMaxRetries(3))

	var (
		mu       sync.Mutex
		expected = map[string][32]byte{}
		posts    = map[string]bool{} // POSTs without an Idempotency-Key
		outcomes = map[string]int{}
		wg       sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				id := fmt.Sprintf("%d-%d", w, i)
				body := bytes.Repeat([]byte(id+";"), 100+i)
				method := []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodPost}[i%4]
				req, err := http.NewRequest(method, srv.URL+"/v1/devices", bytes.NewReader(body))
				require.NoError(t, err)
				req.Header.Set("X-Call-Id", id)
				keyless := method == http.MethodPost && i%8 == 2
				if method == http.MethodPost && !keyless {
					req.Header.Set("Idempotency-Key", id)
				}
				mu.Lock()
				expected[id] = sha256.Sum256(body)
				posts[id] = keyless
				mu.Unlock()

				resp, err := client.Do(req)
				var outcome string
				var apiErr *iotapi.APIError
				var reqErr *iotapi.RequestError
				switch {
				case err == nil:
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					outcome = "success"
				case errors.As(err, &apiErr):
					outcome = fmt.Sprintf("vendor error %d", apiErr.StatusCode)
				case errors.As(err, &reqErr):
					outcome = "no response"
				default:
					outcome = "unaccounted: " + err.Error()
				}
				mu.Lock()
				outcomes[outcome]++
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	tr.CloseIdleConnections()

	calls := workers * perWorker
	total := 0
	for o, n := range outcomes {
		assert.NotContains(t, o, "unaccounted")
		total += n
	}
	assert.Equal(t, calls, total, "every call's outcome is accounted for")

	fs.mu.Lock()
	defer fs.mu.Unlock()
	require.Len(t, fs.attempts, calls)
	attempts, faults := 0, map[string]int{}
	for id, as := range fs.attempts {
		attempts += len(as)
		for i, a := range as {
			faults[a.fault]++
			if a.body != expected[id] {
				t.Errorf("call %s attempt %d: body differs from the one sent", id, i+1)
			}
			if posts[id] && maybeProcessedFault[a.fault] && i < len(as)-1 {
				t.Errorf("call %s: POST without Idempotency-Key replayed after %s", id, a.fault)
			}
		}
	}
	require.Eventually(t, func() bool { return fs.active.Load() == 0 }, 5*time.Second, 10*time.Millisecond,
		"connections still open on the server: %d", fs.active.Load())
	// Each reset or truncated answer costs its connection; every other
	// connection is reused, so at most one per worker besides.
	lost := int64(faults["reset"] + faults["truncated"])
	assert.LessOrEqual(t, fs.opened.Load(), int64(workers)+lost, "connections opened")
	t.Logf("%d calls, %d attempts (%.3f per call); faults served %v; outcomes %v; connections opened %d (%d lost to resets and truncations)",
		calls, attempts, float64(attempts)/float64(calls), faults, outcomes, fs.opened.Load(), lost)
}
