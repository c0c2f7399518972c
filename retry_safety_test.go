package iotapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/tellus"
	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder keeps a hash of every request body the server receives.
type recorder struct {
	mu     sync.Mutex
	bodies [][32]byte
	sizes  []int
}

func (r *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, sha256.Sum256(b))
		r.sizes = append(r.sizes, len(b))
		r.mu.Unlock()
		next.ServeHTTP(w, req)
	})
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestClient_NonIdempotentReplayRules(t *testing.T) {
	for _, c := range []struct {
		name    string
		status  string
		key     bool
		optIn   bool
		want    int
		stopped bool
	}{
		{"POST 500 is not replayed", "500", false, false, 1, true},
		{"POST 504 is not replayed", "504", false, false, 1, true},
		{"POST 503 was not processed: replayed", "503", false, false, 4, false},
		{"POST 429 was not processed: replayed", "429", false, false, 4, false},
		{"POST 500 with Idempotency-Key is replayed", "500", true, false, 4, false},
		{"POST 500 with WithRetryNonIdempotent is replayed", "500", false, true, 4, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			srv := serveHandler(t, rec.wrap(iotapitest.NewPlan(iotapitest.Always(canned("dt", c.status)))))
			var opts []iotapi.Option
			if c.optIn {
				opts = append(opts, iotapi.WithRetryNonIdempotent())
			}
			cl, _ := newClient(dt.Vendor, opts...)
			req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader([]byte(`{"name":"probe"}`)))
			if c.key {
				req.Header.Set("Idempotency-Key", "k-1")
			}
			_, err := cl.Do(req)
			require.Error(t, err)
			assert.Equal(t, c.want, rec.count())
			if c.stopped {
				assert.ErrorIs(t, err, iotapi.ErrNotReplayable)
			} else {
				assert.NotErrorIs(t, err, iotapi.ErrNotReplayable)
			}
		})
	}
}

func TestClient_PostNotReplayedAfterConnectionLost(t *testing.T) {
	rec := &recorder{}
	srv := serveHandler(t, rec.wrap(iotapitest.NewPlan(iotapitest.Always(iotapitest.Reset()))))
	cl, _ := newClient(dt.Vendor)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"a":1}`))
	_, err := cl.Do(req)
	assert.ErrorIs(t, err, iotapi.ErrNotReplayable)
	assert.Equal(t, 1, rec.count(), "the server may have acted on it: sent once")

	req, _ = http.NewRequest(http.MethodGet, srv.URL, nil)
	_, err = cl.Do(req)
	require.Error(t, err)
	assert.Equal(t, 5, rec.count(), "a GET is retried")
}

func TestClient_BodiesReplayedByteForByte(t *testing.T) {
	big := payload(64 << 10)
	for name, mk := range map[string]func(string) *http.Request{
		"GetBody": func(u string) *http.Request {
			r, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(big))
			return r
		},
		"no GetBody (buffered)": func(u string) *http.Request {
			r, _ := http.NewRequest(http.MethodPut, u, io.NopCloser(io.MultiReader(bytes.NewReader(big[:1000]), bytes.NewReader(big[1000:]))))
			return r
		},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			srv := serveHandler(t, rec.wrap(iotapitest.NewPlan(iotapitest.Times(3, canned("dt", "500")), iotapitest.Always(iotapitest.OK(`{}`)))))
			cl, _ := newClient(dt.Vendor)
			resp, err := cl.Do(mk(srv.URL))
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, 4, rec.count())
			for i, h := range rec.bodies {
				assert.Equal(t, sha256.Sum256(big), h, "attempt %d", i+1)
				assert.Equal(t, len(big), rec.sizes[i])
			}
		})
	}
}

func TestClient_UnreplayableBodyIsSentOnce(t *testing.T) {
	rec := &recorder{}
	srv := serveHandler(t, rec.wrap(iotapitest.NewPlan(iotapitest.Always(canned("dt", "503")))))
	cl, _ := newClient(dt.Vendor, iotapi.WithMaxBufferedBody(1024))
	big := payload(4096)
	req, _ := http.NewRequest(http.MethodPut, srv.URL, io.NopCloser(bytes.NewReader(big)))
	_, err := cl.Do(req)
	assert.ErrorIs(t, err, iotapi.ErrNotReplayable)
	require.Equal(t, 1, rec.count())
	assert.Equal(t, sha256.Sum256(big), rec.bodies[0], "sent whole, though not buffered whole")
}

// The token replay is a resend like any retry: a body that cannot be sent
// again is not replaced by an empty one.
func TestTokenReplay_UnreplayableBodyIsNotSentEmpty(t *testing.T) {
	big := payload(4096)
	for name, do := range map[string]func(*http.Request, ...iotapi.Option) (*http.Response, error){
		"Client": func(r *http.Request, opts ...iotapi.Option) (*http.Response, error) {
			cl, _ := newClient(tellus.Vendor, opts...)
			return cl.Do(r)
		},
		"Transport": func(r *http.Request, opts ...iotapi.Option) (*http.Response, error) {
			return (&http.Client{Transport: iotapi.NewTransport(nil, tellus.Vendor, opts...)}).Do(r)
		},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			srv := serveHandler(t, rec.wrap(iotapitest.NewPlan(iotapitest.Times(1, canned("tellus", "2002_token_expired")), iotapitest.Always(iotapitest.OK(`{}`)))))
			var replays atomic.Int64
			req, _ := http.NewRequest(http.MethodPost, srv.URL, io.NopCloser(bytes.NewReader(big)))
			resp, err := do(req, iotapi.WithMaxBufferedBody(1024), iotapi.WithTokenSource(&countingSource{life: time.Hour}),
				iotapi.WithOnRetry(func(iotapi.RetryEvent) { replays.Add(1) }))
			if name == "Transport" { // the vendor's rejection is returned as it came
				require.NoError(t, err)
				resp.Body.Close()
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			} else {
				assert.ErrorIs(t, err, iotapi.ErrNotReplayable)
				var e *iotapi.APIError
				require.ErrorAs(t, err, &e, "the vendor's rejection is the answer")
				assert.Equal(t, iotapi.TokenExpired, e.Kind)
			}
			require.Equal(t, 1, rec.count(), "sent once, never again without its body")
			assert.Equal(t, sha256.Sum256(big), rec.bodies[0])
			assert.Zero(t, replays.Load())
		})
	}
}

func TestClient_LogsAndReportsRetriesWithoutSecrets(t *testing.T) {
	const secret = "tok-PLANTED-9f2"
	srv := serve(t, iotapitest.NewPlan(iotapitest.Times(1, canned("dt", "503")), iotapitest.Times(1, canned("dt", "429")), iotapitest.Always(canned("dt", "500"))))
	var logs bytes.Buffer
	var mu sync.Mutex
	var events []iotapi.RetryEvent
	cl, _ := newClient(dt.Vendor,
		iotapi.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))),
		iotapi.WithOnRetry(func(ev iotapi.RetryEvent) { mu.Lock(); events = append(events, ev); mu.Unlock() }),
		iotapi.WithMaxRetries(3))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/x?api_key="+secret+"&client_secret="+secret, strings.NewReader(`{"password":"`+secret+`"}`))
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Cookie", "sid="+secret)
	_, err := cl.Do(req)
	assert.ErrorIs(t, err, iotapi.ErrNotReplayable)

	require.Len(t, events, 2)
	assert.Equal(t, 1, events[0].Attempt)
	assert.Equal(t, 503, events[0].StatusCode)
	assert.Equal(t, 429, events[1].StatusCode)
	assert.Equal(t, "dt", events[0].Vendor)
	assert.Contains(t, events[0].URL, "api_key=REDACTED")
	assert.Contains(t, logs.String(), `"msg":"iotapi: retrying"`)
	assert.Contains(t, logs.String(), `"msg":"iotapi: not retrying"`, "the POST's 500 is not replayed, and says so")
	for _, s := range []string{logs.String(), err.Error(), events[0].URL, events[1].URL} {
		assert.NotContains(t, s, secret)
	}
}

func TestClient_SilentByDefault(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(old)
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(canned("dt", "503"))))
	cl, _ := newClient(dt.Vendor)
	_, err := get(t, cl, srv.URL)
	require.Error(t, err)
	assert.Empty(t, logs.String())
}

func TestClient_ContextValuesReachTheTransport(t *testing.T) {
	type key struct{}
	var got any
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r.Context().Value(key{})
		return http.DefaultTransport.RoundTrip(r)
	})
	srv := serve(t, iotapitest.NewPlan())
	cl := iotapi.NewClient(&http.Client{Transport: rt}, dt.Vendor)
	req, _ := http.NewRequestWithContext(context.WithValue(context.Background(), key{}, "v"), http.MethodGet, srv.URL, nil)
	resp, err := cl.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "v", got)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClient_BodyThatCannotBeReplayedKeepsTheVendorsAnswer(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(canned("dt", "503"))))
	c, _ := newClient(dt.Vendor)
	req, _ := http.NewRequest(http.MethodPut, srv.URL, strings.NewReader(`{"a":1}`))
	gone := errors.New("the upload's source is gone")
	req.GetBody = func() (io.ReadCloser, error) { return nil, gone }
	_, err := c.Do(req)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e, "the vendor's 503 is the error")
	assert.Equal(t, 503, e.StatusCode)
	assert.Equal(t, 1, e.Attempts)
	assert.ErrorIs(t, err, gone, "and it says why no retry went out")
}

// failingBody fails on its first read.
type failingBody struct{}

func (failingBody) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
func (failingBody) Close() error             { return nil }

// Attempts counts requests that went out: a body that cannot be read
// before the first attempt means none did.
func TestClient_AttemptsCountWhatWasSent(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`)))
	srv := serve(t, plan)
	c, _ := newClient(dt.Vendor)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, failingBody{})
	_, err := c.Do(req)
	var re *iotapi.RequestError
	require.ErrorAs(t, err, &re)
	assert.Zero(t, re.Attempts)
	assert.Zero(t, plan.Calls())
	assert.ErrorContains(t, err, "disk on fire")
	assert.NotContains(t, err.Error(), "attempts")
}

// closeTracker is a request body that records its closing.
type closeTracker struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeTracker) Close() error { c.closed.Store(true); return nil }

// refusingLimiter never lets an attempt go.
type refusingLimiter struct{}

func (refusingLimiter) Wait(context.Context) error { return errors.New("no") }

// A call stopped before anything is sent still closes the caller's body,
// as net/http's Client and every RoundTripper must: a streamed upload's
// writer is not left blocked.
func TestStoppedCall_ClosesTheCallersBody(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(canned("dt", "503"))))
	open := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Failures: 1, CoolDown: time.Hour})
	cl, _ := newClient(dt.Vendor, iotapi.WithCircuitBreaker(open), iotapi.WithMaxRetries(0))
	_, _ = get(t, cl, srv.URL)
	require.Equal(t, gobreaker.StateOpen, open.State())
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	stops := map[string]struct {
		ctx  context.Context
		opts []iotapi.Option
	}{
		"breaker open":      {context.Background(), []iotapi.Option{iotapi.WithCircuitBreaker(open)}},
		"limiter refuses":   {context.Background(), []iotapi.Option{iotapi.WithRateLimit(refusingLimiter{})}},
		"token fetch fails": {context.Background(), []iotapi.Option{iotapi.WithTokenSource(&countingSource{err: errors.New("down")})}},
		"context ended":     {canceled, nil},
	}
	bodies := map[string]func() (io.ReadCloser, func() (io.ReadCloser, error)){
		"with GetBody": func() (io.ReadCloser, func() (io.ReadCloser, error)) {
			return &closeTracker{Reader: strings.NewReader("payload")}, func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("payload")), nil }
		},
		"buffered": func() (io.ReadCloser, func() (io.ReadCloser, error)) {
			return &closeTracker{Reader: strings.NewReader("payload")}, nil
		},
		"streamed past the buffer": func() (io.ReadCloser, func() (io.ReadCloser, error)) {
			return &closeTracker{Reader: bytes.NewReader(payload(4096))}, nil
		},
	}
	for stopName, stop := range stops {
		for bodyName, body := range bodies {
			for _, mode := range []string{"Client", "Transport"} {
				t.Run(stopName+"/"+bodyName+"/"+mode, func(t *testing.T) {
					opts := append([]iotapi.Option{iotapi.WithMaxBufferedBody(1024), iotapi.WithRecordedWaits(func(time.Duration) {})}, stop.opts...)
					b, getBody := body()
					req, _ := http.NewRequestWithContext(stop.ctx, http.MethodPut, srv.URL, b)
					req.GetBody = getBody
					var err error
					if mode == "Client" {
						_, err = iotapi.NewClient(nil, dt.Vendor, opts...).Do(req)
					} else {
						_, err = (&http.Client{Transport: iotapi.NewTransport(nil, dt.Vendor, opts...)}).Do(req)
					}
					require.Error(t, err)
					assert.True(t, b.(*closeTracker).closed.Load(), "the body is closed")
				})
			}
		}
	}
}

// A streamed upload's writer ends when the call stops before sending it.
func TestStoppedCall_EndsAStreamedUpload(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(canned("dt", "503"))))
	open := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Failures: 1, CoolDown: time.Hour})
	_, _ = get(t, iotapi.NewClient(nil, dt.Vendor, iotapi.WithCircuitBreaker(open), iotapi.WithMaxRetries(0)), srv.URL)
	require.Equal(t, gobreaker.StateOpen, open.State())

	pr, pw := io.Pipe()
	wrote := make(chan error, 1)
	go func() { _, err := pw.Write(make([]byte, 1<<20)); wrote <- err }()
	req, _ := http.NewRequest(http.MethodPut, srv.URL, pr)
	_, err := iotapi.NewClient(nil, dt.Vendor, iotapi.WithCircuitBreaker(open), iotapi.WithMaxBufferedBody(1024)).Do(req)
	require.ErrorIs(t, err, iotapi.ErrCircuitOpen)
	select {
	case err := <-wrote:
		assert.ErrorIs(t, err, io.ErrClosedPipe, "the writer is told")
	case <-time.After(10 * time.Second):
		pr.Close()
		t.Fatal("the writer is left blocked")
	}
}

// A call whose deadline had passed before it began sends nothing, and
// says so: Attempts 0.
func TestClient_ExpiredContextSendsNothing(t *testing.T) {
	var requests atomic.Int64
	srv := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	for name, opts := range map[string][]iotapi.Option{
		"plain":        nil,
		"with breaker": {iotapi.WithCircuitBreaker(iotapi.NewCircuitBreaker(iotapi.BreakerSettings{}))},
		"with limiter": {iotapi.WithRateLimit(dt.RateLimit.NewLimiter())},
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := newClient(dt.Vendor, opts...)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			_, err := c.Do(req)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			var re *iotapi.RequestError
			require.ErrorAs(t, err, &re)
			assert.Zero(t, re.Attempts)
		})
	}
	assert.Zero(t, requests.Load())
}
