package iotapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/tellus"
	"github.com/iotapi/iotapi/tiot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// countingSource hands out tokens tok-1, tok-2, ... valid for life, after
// delay, and counts the fetches.
type countingSource struct {
	n     atomic.Int64
	life  time.Duration
	delay time.Duration
	err   error
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	time.Sleep(s.delay)
	if s.err != nil {
		return nil, s.err
	}
	n := s.n.Add(1)
	return &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", n), TokenType: "Bearer", Expiry: time.Now().Add(s.life)}, nil
}

// authServer answers 200 to tokens it accepts, and records the
// Authorization header of every request.
type authServer struct {
	mu     sync.Mutex
	seen   []string
	accept func(token string) bool
	reject iotapitest.Response
}

func (a *authServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	a.mu.Lock()
	a.seen = append(a.seen, auth)
	a.mu.Unlock()
	if a.accept(strings.TrimPrefix(auth, "Bearer ")) {
		iotapitest.OK(`{"ok":true}`)(w, r)
		return
	}
	a.reject.ServeHTTP(w, r)
}

func (a *authServer) headers() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

func TestTokenSource_SetsCachesAndKeepsTheRequest(t *testing.T) {
	as := &authServer{accept: func(string) bool { return true }}
	srv := serveHandler(t, as)
	src := &countingSource{life: time.Hour}
	c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(src))
	for i := 0; i < 5; i++ {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("Authorization", "Bearer caller-value")
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, "Bearer caller-value", req.Header.Get("Authorization"), "the caller's request is not modified")
	}
	assert.Equal(t, int64(1), src.n.Load(), "one fetch, then the cache")
	assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-1", "Bearer tok-1"}, as.headers())
}

func TestTokenSource_RefreshesAheadOfExpiry(t *testing.T) {
	as := &authServer{accept: func(string) bool { return true }}
	srv := serveHandler(t, as)
	calls := func(c *iotapi.Client, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			resp, err := get(t, c, srv.URL)
			require.NoError(t, err)
			resp.Body.Close()
		}
	}

	src := &countingSource{life: 300 * time.Millisecond}
	c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(src), iotapi.WithTokenMargin(100*time.Millisecond))
	calls(c, 2)
	assert.Equal(t, int64(1), src.n.Load(), "a token that has more than the margin left is kept")
	time.Sleep(250 * time.Millisecond)
	calls(c, 1)
	assert.Equal(t, int64(2), src.n.Load(), "within the margin of its expiry it is replaced")

	// A token living 20 s, shorter than twice the 30 s margin, is replaced
	// at half its life, not on every call (which would hammer the token
	// endpoint).
	short := &countingSource{life: 20 * time.Second}
	c, _ = newClient(dt.Vendor, iotapi.WithTokenSource(short))
	calls(c, 3)
	assert.Equal(t, int64(1), short.n.Load())
}

func TestTokenSource_ExpiredTokenRefreshedAndReplayedOnce(t *testing.T) {
	for name, c := range map[string]struct {
		v      iotapi.Vendor
		reject iotapitest.Response
		method string
	}{
		"tellus 2002 GET":        {tellus.Vendor, iotapitest.MustLookup("tellus", "2002_token_expired"), http.MethodGet},
		"tellus 2001 POST":       {tellus.Vendor, iotapitest.MustLookup("tellus", "2001_unauthenticated"), http.MethodPost},
		"endpointmgr 1103 PATCH": {endpointmgrVendor(), iotapitest.MustLookup("endpointmgr", "1103_tokenexpired"), http.MethodPatch},
		"dt 401":                 {dt.Vendor, iotapitest.MustLookup("dt", "401"), http.MethodGet},
	} {
		t.Run(name, func(t *testing.T) {
			as := &authServer{accept: func(tok string) bool { return tok == "tok-2" }, reject: c.reject}
			srv := serveHandler(t, as)
			src := &countingSource{life: time.Hour}
			cl, s := newClient(c.v, iotapi.WithTokenSource(src), iotapi.WithMaxRetries(0))
			req, _ := http.NewRequest(c.method, srv.URL, strings.NewReader(`{"a":1}`))
			resp, err := cl.Do(req)
			require.NoError(t, err, "replayed with a fresh token even with retries off and a non-idempotent method")
			resp.Body.Close()
			assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-2"}, as.headers())
			assert.Equal(t, []time.Duration{0}, s.waits(), "no backoff before the replay")
		})
	}
}

func TestTokenSource_SecondRejectionIsReturned(t *testing.T) {
	as := &authServer{accept: func(string) bool { return false }, reject: iotapitest.MustLookup("tellus", "2002_token_expired")}
	srv := serveHandler(t, as)
	src := &countingSource{life: time.Hour}
	c, _ := newClient(tellus.Vendor, iotapi.WithTokenSource(src))
	_, err := get(t, c, srv.URL)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, iotapi.TokenExpired, e.Kind)
	assert.Equal(t, 2, e.Attempts)
	assert.Equal(t, int64(2), src.n.Load())
	assert.Len(t, as.headers(), 2, "never looped")
}

func TestTokenSource_ConcurrentCallersShareOneFetch(t *testing.T) {
	as := &authServer{accept: func(tok string) bool { return tok != "tok-1" }, reject: iotapitest.MustLookup("tellus", "2002_token_expired")}
	srv := serveHandler(t, as)
	src := &countingSource{life: time.Hour, delay: 50 * time.Millisecond}
	c, _ := newClient(tellus.Vendor, iotapi.WithTokenSource(src))
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := get(t, c, srv.URL)
			if err != nil {
				failed.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
	assert.Zero(t, failed.Load())
	assert.Equal(t, int64(2), src.n.Load(), "50 callers: one fetch for the first token, one refresh after the 401s")
}

func TestTokenSource_FetchFailureIsTheVendorsError(t *testing.T) {
	tokenSrv := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.Respond(iotapitest.MustLookup("tellus", "2001_unauthenticated")))))
	api := &authServer{accept: func(string) bool { return true }}
	srv := serveHandler(t, api)
	ts := tellus.ClientCredentials(context.Background(), tokenSrv.URL, "client-1", "s3cr3t-PLANTED")
	c, _ := newClient(tellus.Vendor, iotapi.WithTokenSource(ts))
	_, err := get(t, c, srv.URL)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, iotapi.Unauthenticated, e.Kind)
	assert.Equal(t, tellus.CodeUnauthenticated, e.Code)
	assert.Equal(t, 0, e.Attempts, "the API was never called")
	assert.Empty(t, api.headers())
	assert.NotContains(t, err.Error(), "s3cr3t-PLANTED")
}

func TestTokenSource_NonAPIFetchFailure(t *testing.T) {
	api := &authServer{accept: func(string) bool { return true }}
	srv := serveHandler(t, api)
	boom := errors.New("vault unreachable")
	c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(&countingSource{err: boom}))
	_, err := get(t, c, srv.URL)
	assert.ErrorIs(t, err, boom)
	var re *iotapi.RequestError
	assert.ErrorAs(t, err, &re)
	assert.Empty(t, api.headers())
}

func TestTokenSource_TIoT500GetsAFreshTokenForItsRetry(t *testing.T) {
	as := &authServer{accept: func(tok string) bool { return tok == "tok-2" }, reject: iotapitest.MustLookup("tiot", "500_internal_server_error")}
	srv := serveHandler(t, as)
	c, _ := newClient(tiot.Vendor, iotapi.WithTokenSource(&countingSource{life: time.Hour}))
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{"Bearer tok-1", "Bearer tok-2"}, as.headers())
}

func TestTokenSource_EchoedTokenIsRemovedFromTheMessage(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(func(w http.ResponseWriter, r *http.Request) {
		iotapitest.JSON(403, `{"error":"token `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+` lacks scope","code":403}`).ServeHTTP(w, r)
	})))
	c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(&countingSource{life: time.Hour}))
	_, err := get(t, c, srv.URL)
	require.Error(t, err)
	assert.Equal(t, "dt: 403 token REDACTED lacks scope (code 403)", err.Error())
}

func TestTokenSource_Transport(t *testing.T) {
	as := &authServer{accept: func(tok string) bool { return tok == "tok-2" }, reject: iotapitest.MustLookup("dt", "401")}
	srv := serveHandler(t, as)
	hc := &http.Client{Transport: iotapi.NewTransport(nil, dt.Vendor, iotapi.WithTokenSource(&countingSource{life: time.Hour}))}
	resp, err := hc.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

func TestMemoryTokenCache_WaitEndsWithContext(t *testing.T) {
	cache := iotapi.NewMemoryTokenCache(0)
	fetching, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = cache.Token(context.Background(), "", func(context.Context) (*oauth2.Token, error) {
			close(fetching)
			<-release
			return &oauth2.Token{AccessToken: "a"}, nil
		})
	}()
	<-fetching
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := cache.Token(ctx, "", func(context.Context) (*oauth2.Token, error) { t.Error("a second fetch"); return nil, nil })
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	close(release)
	<-done
}

func TestTokenUsable(t *testing.T) {
	assert.False(t, iotapi.TokenUsable(nil, "", 0))
	assert.False(t, iotapi.TokenUsable(&oauth2.Token{}, "", 0))
	assert.True(t, iotapi.TokenUsable(&oauth2.Token{AccessToken: "a"}, "", time.Hour), "no expiry")
	assert.False(t, iotapi.TokenUsable(&oauth2.Token{AccessToken: "a"}, "a", 0), "stale")
	assert.False(t, iotapi.TokenUsable(&oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Minute)}, "", 2*time.Minute))
	assert.True(t, iotapi.TokenUsable(&oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Hour)}, "", 2*time.Minute))
}

func endpointmgrVendor() iotapi.Vendor { return endpointmgr.Vendor }

// reusing hands back the same token until told otherwise, like an
// oauth2.ReuseTokenSource.
type reusing struct{ n atomic.Int64 }

func (r *reusing) Token() (*oauth2.Token, error) {
	r.n.Add(1)
	return &oauth2.Token{AccessToken: "same", Expiry: time.Now().Add(time.Hour)}, nil
}

func TestTokenSource_CachingSourceCannotReplayTheRejectedToken(t *testing.T) {
	as := &authServer{accept: func(string) bool { return false }, reject: iotapitest.MustLookup("dt", "401")}
	srv := serveHandler(t, as)
	c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(&reusing{}))
	_, err := get(t, c, srv.URL)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e, "the vendor's rejection is returned")
	assert.Equal(t, 401, e.StatusCode)
	assert.ErrorIs(t, err, iotapi.ErrStaleToken, "and says why it was not replayed")
	assert.Len(t, as.headers(), 1, "the rejected token is not sent again")
}

// The token replay is not one of the caller's retries: after a rejected
// token, a vendor failing with 503 gets the replay plus every retry.
func TestTokenSource_ReplayIsNotARetry(t *testing.T) {
	for retries, want := range map[int]int{0: 2, 1: 3, 2: 4} {
		t.Run(fmt.Sprintf("WithMaxRetries(%d)", retries), func(t *testing.T) {
			plan := iotapitest.NewPlan(iotapitest.Times(1, canned("dt", "401")), iotapitest.Always(canned("dt", "503")))
			srv := serve(t, plan)
			src := &countingSource{life: time.Hour}
			c, s := newClient(dt.Vendor, iotapi.WithTokenSource(src), iotapi.WithMaxRetries(retries))
			_, err := get(t, c, srv.URL)
			var e *iotapi.APIError
			require.ErrorAs(t, err, &e)
			assert.Equal(t, 503, e.StatusCode)
			assert.Equal(t, want, plan.Calls(), "the vendor saw the first attempt, the replay and each retry")
			assert.Equal(t, want, e.Attempts)
			assert.Len(t, s.waits(), want-1, "a wait before the replay (0) and before each retry")
			assert.Equal(t, int64(2), src.n.Load(), "one refresh")
		})
	}
}
