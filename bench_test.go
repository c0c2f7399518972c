package iotapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
)

// The success path, on a loopback server, in one run: bare net/http, raw
// go-retryablehttp, and iotapi's Client and Transport. Compare with
// benchstat (see BENCHMARKS.md).

func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"devices":[{"id":"d1","name":"sensor"}]}`))
	}))
	b.Cleanup(srv.Close)
	return srv
}

// benchTransport returns a fresh transport whose idle connections are
// closed when the benchmark ends, so runs do not pile up connections.
func benchTransport(b *testing.B) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	b.Cleanup(t.CloseIdleConnections)
	return t
}

type doer interface {
	Do(*http.Request) (*http.Response, error)
}

// rawRetryable adapts go-retryablehttp's client to doer.
type rawRetryable struct{ c *retryablehttp.Client }

func (r rawRetryable) Do(req *http.Request) (*http.Response, error) {
	rr, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, err
	}
	return r.c.Do(rr)
}

func clients(b *testing.B) map[string]func() doer {
	return map[string]func() doer{
		"bare": func() doer { return &http.Client{Transport: benchTransport(b)} },
		"retryablehttp": func() doer {
			c := retryablehttp.NewClient()
			c.Logger = nil
			c.HTTPClient = &http.Client{Transport: benchTransport(b)}
			return rawRetryable{c}
		},
		"iotapi.Client": func() doer { return iotapi.NewClient(&http.Client{Transport: benchTransport(b)}, dt.Vendor) },
		"iotapi.Transport": func() doer {
			return &http.Client{Transport: iotapi.NewTransport(benchTransport(b), dt.Vendor)}
		},
	}
}

func consume(b *testing.B, resp *http.Response, err error) {
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func BenchmarkGet(b *testing.B) {
	srv := benchServer(b)
	for _, name := range []string{"bare", "retryablehttp", "iotapi.Client", "iotapi.Transport"} {
		b.Run("impl="+name, func(b *testing.B) {
			c := clients(b)[name]()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
				resp, err := c.Do(req)
				consume(b, resp, err)
			}
		})
	}
}

func BenchmarkPost64KiB(b *testing.B) {
	srv := benchServer(b)
	body := bytes.Repeat([]byte("0123456789abcdef"), 4<<10)
	for _, name := range []string{"bare", "retryablehttp", "iotapi.Client", "iotapi.Transport"} {
		b.Run("impl="+name, func(b *testing.B) {
			c := clients(b)[name]()
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
				resp, err := c.Do(req)
				consume(b, resp, err)
			}
		})
	}
}

// BenchmarkParallelGet is throughput through one shared client.
func BenchmarkParallelGet(b *testing.B) {
	srv := benchServer(b)
	for _, name := range []string{"bare", "iotapi.Client"} {
		b.Run("impl="+name, func(b *testing.B) {
			c := clients(b)[name]()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
					resp, err := c.Do(req)
					consume(b, resp, err)
				}
			})
		})
	}
}

// memTransport answers every request in memory, so BenchmarkOverhead
// measures the layers above the network alone.
type memTransport struct{ body []byte }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(m.body)), ContentLength: int64(len(m.body)), Request: r}, nil
}

// BenchmarkOverhead is the success-path cost of each layer without a
// network: what iotapi adds to a call, in ns and allocations.
func BenchmarkOverhead(b *testing.B) {
	mem := memTransport{body: []byte(`{"devices":[]}`)}
	for name, c := range map[string]doer{
		"bare":             &http.Client{Transport: mem},
		"iotapi.Client":    iotapi.NewClient(&http.Client{Transport: mem}, dt.Vendor),
		"iotapi.Transport": &http.Client{Transport: iotapi.NewTransport(mem, dt.Vendor)},
	} {
		b.Run("impl="+name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest(http.MethodGet, "http://vendor.test/v1/devices", nil)
				resp, err := c.Do(req)
				consume(b, resp, err)
			}
		})
	}
}

// BenchmarkOutageAmplification reports attempts per call over rounds of
// 1,000 calls from a cold client to an always-503 server (the retry budget
// at work), beside raw go-retryablehttp's defaults.
func BenchmarkOutageAmplification(b *testing.B) {
	srv := &counting{next: iotapitest.NewPlan(iotapitest.Always(iotapitest.Respond(iotapitest.MustLookup("dt", "503"))))}
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	const calls = 1000
	noSleep := iotapi.WithRecordedWaits(func(time.Duration) {})
	for name, mk := range map[string]func() doer{
		"iotapi.Client": func() doer { return iotapi.NewClient(&http.Client{Transport: benchTransport(b)}, dt.Vendor, noSleep) },
		"retryablehttp": func() doer {
			c := retryablehttp.NewClient()
			c.Logger = nil
			c.HTTPClient = &http.Client{Transport: benchTransport(b)}
			c.Backoff = func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 }
			return rawRetryable{c}
		},
	} {
		b.Run("impl="+name, func(b *testing.B) {
			srv.n.Store(0)
			for i := 0; i < b.N; i++ {
				c := mk()
				for j := 0; j < calls; j++ {
					req, _ := http.NewRequest(http.MethodGet, hs.URL, nil)
					if resp, err := c.Do(req); err == nil {
						resp.Body.Close()
					}
				}
			}
			b.ReportMetric(float64(srv.n.Load())/float64(b.N*calls), "attempts/call")
		})
	}
}

// BenchmarkTransientRescue reports the share of calls that succeed with 10%
// random 503s and 3 retries, from parallel goroutines through one client.
func BenchmarkTransientRescue(b *testing.B) {
	var n atomic.Int64
	fail := iotapitest.Respond(iotapitest.MustLookup("dt", "503"))
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rand.Float64() < 0.10 {
			fail(w, r)
			return
		}
		iotapitest.OK(`{}`)(w, r)
	}))
	b.Cleanup(hs.Close)
	c := iotapi.NewClient(&http.Client{Transport: benchTransport(b)}, dt.Vendor, iotapi.WithMaxRetries(3),
		iotapi.WithRecordedWaits(func(time.Duration) {}))
	b.SetParallelism(25) // 50 goroutines on 2 CPUs
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, hs.URL, nil)
			if resp, err := c.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				n.Add(1)
			}
		}
	})
	b.ReportMetric(100*float64(n.Load())/float64(b.N), "%success")
}

// BenchmarkWaitingCallMemory reports the memory a call holds while it
// waits to retry (heap and stack, per call, over 500 calls waiting at
// once), beside the floor: a goroutine holding a request and a timer.
// The vendor answers in memory (503, Retry-After: 30), so no connection
// counts. Run it with -benchtime 1x.
func BenchmarkWaitingCallMemory(b *testing.B) {
	const calls = 500
	var answered atomic.Int64
	unavailable := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		answered.Add(1)
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Request: r, Body: http.NoBody,
			Header: http.Header{"Retry-After": {"30"}, "Content-Type": {"application/json"}}}, nil
	})
	floor := doerFunc(func(req *http.Request) (*http.Response, error) {
		answered.Add(1)
		t := time.NewTimer(time.Minute)
		defer t.Stop()
		select {
		case <-t.C:
		case <-req.Context().Done():
		}
		return nil, req.Context().Err()
	})
	// bare is a caller doing its own backoff over bare net/http: the
	// answer's goroutine after a call, holding the request and a timer.
	bare := doerFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := (&http.Client{Transport: unavailable}).Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		t := time.NewTimer(time.Minute)
		defer t.Stop()
		select {
		case <-t.C:
		case <-req.Context().Done():
		}
		return nil, req.Context().Err()
	})
	for name, c := range map[string]doer{
		"floor":            floor,
		"bare+timer":       bare,
		"iotapi.Client":    iotapi.NewClient(&http.Client{Transport: unavailable}, dt.Vendor, iotapi.WithoutRetryBudget()),
		"iotapi.Transport": &http.Client{Transport: iotapi.NewTransport(unavailable, dt.Vendor, iotapi.WithoutRetryBudget())},
	} {
		b.Run("impl="+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				answered.Store(0)
				before := heldMemory()
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{}, calls)
				for j := 0; j < calls; j++ {
					go func() {
						req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://vendor.test/v1/devices", nil)
						if resp, err := c.Do(req); err == nil {
							resp.Body.Close()
						}
						done <- struct{}{}
					}()
				}
				for answered.Load() < calls {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(20 * time.Millisecond) // every caller reaches its wait
				held := heldMemory() - before
				cancel()
				for j := 0; j < calls; j++ {
					<-done
				}
				b.ReportMetric(float64(held)/calls, "B/waiting-call")
			}
		})
	}
}

// heldMemory is the heap in use plus goroutine stacks, after two
// collections: each halves a stack that uses less than a quarter of
// itself, so a stack grown while the attempt ran returns to what the
// wait needs, as it does in a running program.
func heldMemory() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkCircuitOpen is a call that an open breaker fails at once:
// no request, no store call.
func BenchmarkCircuitOpen(b *testing.B) {
	down := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Request: r, Body: http.NoBody, Header: http.Header{}}, nil
	})
	br := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Failures: 1, CoolDown: time.Hour})
	c := iotapi.NewClient(&http.Client{Transport: down}, dt.Vendor, iotapi.WithCircuitBreaker(br), iotapi.WithMaxRetries(0))
	req, _ := http.NewRequest(http.MethodGet, "http://vendor.test/v1/devices", nil)
	_, _ = c.Do(req) // opens it
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest(http.MethodGet, "http://vendor.test/v1/devices", nil)
		if _, err := c.Do(req); !errors.Is(err, iotapi.ErrCircuitOpen) {
			b.Fatal(err)
		}
	}
}
