package iotapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/telemax"
	"github.com/iotapi/iotapi/tellus"
	"github.com/iotapi/iotapi/tiot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClient_RetriesThenSucceeds(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Times(2, canned("dt", "503")), iotapitest.Always(iotapitest.OK(`{"ok":true}`)))
	srv := serve(t, plan)
	c, s := newClient(dt.Vendor, iotapi.WithBackoff(time.Second, 20*time.Second))

	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.JSONEq(t, `{"ok":true}`, string(body))
	assert.Equal(t, 3, plan.Calls())
	assert.Equal(t, []time.Duration{1500 * time.Millisecond, 3 * time.Second}, s.waits(), "jittered exponential: [1s,2s), [2s,4s)")
}

func TestClient_GivesUpWithTheVendorsError(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Always(canned("dt", "503")))
	srv := serve(t, plan)
	c, _ := newClient(dt.Vendor, iotapi.WithMaxRetries(2))

	resp, err := get(t, c, srv.URL+"/devices?token=s3cr3t")
	assert.Nil(t, resp)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 503, e.StatusCode)
	assert.Equal(t, iotapi.Unavailable, e.Kind)
	assert.Equal(t, 3, e.Attempts)
	assert.Equal(t, "service unavailable", e.Message)
	assert.JSONEq(t, string(iotapitest.MustLookup("dt", "503").Body), string(e.Body))
	assert.Equal(t, "application/json", e.Header.Get("Content-Type"))
	assert.Equal(t, "dt: 503 service unavailable (code 503) after 3 attempts", err.Error())
	assert.NotContains(t, err.Error(), "giving up")
	assert.Equal(t, 3, plan.Calls())
}

func TestClient_PermanentErrorReturnsAtOnce(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Always(canned("tellus", "3001_not_found")))
	srv := serve(t, plan)
	c, s := newClient(tellus.Vendor)
	_, err := get(t, c, srv.URL)
	assert.ErrorIs(t, err, iotapi.NotFound)
	assert.Equal(t, 1, plan.Calls())
	assert.Empty(t, s.waits())
}

func TestClient_RetryAfter(t *testing.T) {
	for name, c := range map[string]struct {
		resp iotapitest.Response
		v    iotapi.Vendor
		want time.Duration
	}{
		"seconds":        {iotapitest.MustLookup("dt", "429"), dt.Vendor, 9 * time.Second},
		"http-date":      {iotapitest.MustLookup("dt", "503").WithHeader("Retry-After", "Sun, 22 Nov 2026 08:00:42 GMT"), dt.Vendor, 42 * time.Second},
		"tellus body":    {iotapitest.MustLookup("tellus", "5001_too_many_requests"), tellus.Vendor, 30 * time.Second},
		"past date":      {iotapitest.MustLookup("dt", "503").WithHeader("Retry-After", "Sun, 22 Nov 2026 07:00:00 GMT"), dt.Vendor, time.Second},
		"garbage header": {iotapitest.MustLookup("dt", "503").WithHeader("Retry-After", "soon"), dt.Vendor, time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			defer iotapi.SetNow(func() time.Time { return time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC) })()
			srv := serve(t, iotapitest.NewPlan(iotapitest.Times(1, iotapitest.Respond(c.resp)), iotapitest.Always(iotapitest.OK(`{}`))))
			cl, s := newClient(c.v, iotapi.WithBackoff(time.Second, 2*time.Second), iotapi.WithRand(func() float64 { return 0 }))
			resp, err := get(t, cl, srv.URL)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, []time.Duration{c.want}, s.waits())
		})
	}
}

func TestClient_LongRetryAfterIsSurfaced(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Always(canned("tiot", "429_too_many_requests")))
	srv := serve(t, plan)
	c, s := newClient(tiot.Vendor)

	_, err := get(t, c, srv.URL)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, time.Hour, e.RetryAfter)
	assert.ErrorIs(t, err, iotapi.ErrRetryAfterTooLong)
	assert.ErrorIs(t, err, iotapi.RateLimited)
	assert.True(t, iotapi.IsRetryable(err), "the caller may retry after RetryAfter")
	assert.Equal(t, 1, plan.Calls())
	assert.Empty(t, s.waits(), "never slept")

	c, s = newClient(tiot.Vendor, iotapi.WithMaxRetryAfter(2*time.Hour), iotapi.WithMaxRetries(1))
	_, err = get(t, c, srv.URL)
	assert.ErrorIs(t, err, iotapi.RateLimited)
	assert.Equal(t, []time.Duration{time.Hour}, s.waits(), "within the maximum, the wait is honored")
}

func TestClient_VendorFloorsHoldUnderAnyBackoff(t *testing.T) {
	for status, floor := range map[string]time.Duration{"500": time.Second, "503": time.Second, "504": 10 * time.Second} {
		t.Run(status, func(t *testing.T) {
			srv := serve(t, iotapitest.NewPlan(iotapitest.Times(2, canned("dt", status)), iotapitest.Always(iotapitest.OK(`{}`))))
			c, s := newClient(dt.Vendor, iotapi.WithBackoff(time.Millisecond, 2*time.Millisecond))
			resp, err := get(t, c, srv.URL)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, []time.Duration{floor, floor}, s.waits())
		})
	}
}

func TestClient_TelemaxDoublesOnEachFurther429(t *testing.T) {
	tooMany := iotapitest.MustLookup("telemax", "too_many_requests") // Retry-After: 7
	srv := serve(t, iotapitest.NewPlan(iotapitest.Times(5, iotapitest.Respond(tooMany)), iotapitest.Always(iotapitest.OK(`{}`))))
	c, s := newClient(telemax.Vendor, iotapi.WithMaxRetries(5))
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []time.Duration{7 * time.Second, 14 * time.Second, 28 * time.Second, 56 * time.Second, 60 * time.Second}, s.waits())
}

func TestClient_TIoT500RetriedOnce(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Always(canned("tiot", "500_internal_server_error")))
	srv := serve(t, plan)
	c, _ := newClient(tiot.Vendor)
	_, err := get(t, c, srv.URL)
	assert.True(t, tiot.MaybeClientError(err))
	assert.Equal(t, 2, plan.Calls())
}

func TestClient_ContextCancelEndsWaitAtOnce(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(canned("dt", "504"))))
	c := iotapi.NewClient(&http.Client{}, dt.Vendor) // real sleeps: 10 s floor
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)

	start := time.Now()
	_, err := c.Do(req)
	assert.Less(t, time.Since(start), 5*time.Second, "the 10 s wait ended with the context")
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, iotapi.Unavailable, "the vendor's error is kept")
}

func TestClient_NoWaitOutlastsTheTimeout(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(canned("dt", "500"))))
	c := iotapi.NewClient(&http.Client{Timeout: 1500 * time.Millisecond}, dt.Vendor, iotapi.WithBackoff(time.Second, time.Second))
	start := time.Now()
	_, err := get(t, c, srv.URL)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	// Attempt 1 at 0 s, DT's 1 s floor, attempt 2 at 1 s; the next 1 s
	// wait would outlast the 1.5 s timeout, so it is not begun.
	assert.Equal(t, 2, e.Attempts)
	assert.Contains(t, err.Error(), "would outlast the request's deadline")
}

func TestClient_WaitPastDeadlineReturnsNow(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Always(canned("dt", "429"))) // Retry-After: 9
	srv := serve(t, plan)
	c, s := newClient(dt.Vendor)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := c.Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, iotapi.RateLimited)
	assert.Empty(t, s.waits())
	assert.Equal(t, 1, plan.Calls())
	assert.NoError(t, ctx.Err(), "returned before the deadline")
}

func TestClient_ConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/x?access_token=s3cr3t"
	srv.Close()
	c, s := newClient(dt.Vendor)
	_, err := get(t, c, url)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	var re *iotapi.RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 4, re.Attempts)
	assert.Len(t, s.waits(), 3)
	assert.NotContains(t, err.Error(), "s3cr3t")
	assert.Contains(t, err.Error(), "access_token=REDACTED")
	assert.True(t, iotapi.IsRetryable(err))
}

func TestNewClient_KeepsAndDoesNotModifyTheHTTPClient(t *testing.T) {
	var mu sync.Mutex
	var cookies []string
	plan := iotapitest.NewPlan(iotapitest.Times(1, canned("dt", "503")), iotapitest.Always(iotapitest.OK(`{}`)))
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
			return
		}
		mu.Lock()
		cookies = append(cookies, r.Header.Get("Cookie"))
		mu.Unlock()
		plan.ServeHTTP(w, r)
	})))
	jar := &staticJar{cookie: &http.Cookie{Name: "sid", Value: "abc"}}
	redirects := 0
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { redirects++; return nil }, Timeout: time.Minute}
	before := *hc
	c := iotapi.NewClient(hc, dt.Vendor, iotapi.WithRecordedWaits((&sleeps{}).record))

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/old", nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Empty(t, req.Header, "the caller's request is not modified")
	assert.Equal(t, []string{"sid=abc", "sid=abc"}, cookies, "the jar's cookies go with every attempt")
	assert.Equal(t, 2, redirects, "CheckRedirect is consulted on every attempt")
	assert.Equal(t, before.Timeout, hc.Timeout)
	assert.Nil(t, hc.Transport)
}

type staticJar struct{ cookie *http.Cookie }

func (j *staticJar) SetCookies(*url.URL, []*http.Cookie) {}
func (j *staticJar) Cookies(*url.URL) []*http.Cookie     { return []*http.Cookie{j.cookie} }

func TestTransport_ReturnsFinalResponseUntouched(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Always(canned("dt", "503")))
	srv := serve(t, plan)
	s := &sleeps{}
	hc := &http.Client{Transport: iotapi.NewTransport(nil, dt.Vendor, iotapi.WithRecordedWaits(s.record), iotapi.WithMaxRetries(2))}
	resp, err := hc.Get(srv.URL)
	require.NoError(t, err, "a RoundTripper returns err == nil for any status")
	defer resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, iotapitest.MustLookup("dt", "503").Body, body)
	assert.Equal(t, 3, plan.Calls())
	assert.ErrorIs(t, dt.CheckResponse(resp), iotapi.Unavailable, "the caller decodes it")
}

func TestTransport_DoesNotFollowRedirects(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})))
	rt := iotapi.NewTransport(nil, dt.Vendor)
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusFound, resp.StatusCode)
}

// headerRT adds a header, standing for an auth or tracing RoundTripper.
type headerRT struct{ next http.RoundTripper }

func (h headerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Trace", "t1")
	return h.next.RoundTrip(r)
}

func TestTransport_ComposesOnBothSides(t *testing.T) {
	var mu sync.Mutex
	var traces []string
	plan := iotapitest.NewPlan(iotapitest.Times(1, canned("dt", "500")), iotapitest.Always(iotapitest.OK(`{}`)))
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		traces = append(traces, r.Header.Get("X-Trace"))
		mu.Unlock()
		plan.ServeHTTP(w, r)
	})))
	s := &sleeps{}
	inside := iotapi.NewTransport(headerRT{http.DefaultTransport}, dt.Vendor, iotapi.WithRecordedWaits(s.record))
	outside := headerRT{iotapi.NewTransport(http.DefaultTransport, dt.Vendor, iotapi.WithRecordedWaits(s.record))}
	for _, rt := range []http.RoundTripper{inside, outside} {
		resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
	}
	assert.Equal(t, []string{"t1", "t1", "t1"}, traces[:3])
}

func TestClient_NilRequest(t *testing.T) {
	c, _ := newClient(dt.Vendor)
	_, err := c.Do(nil)
	require.Error(t, err)
}
