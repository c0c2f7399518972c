package iotapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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

// hangingTokenEndpoint accepts token requests and never answers until the
// test ends; it counts them.
func hangingTokenEndpoint(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv, &n
}

// ends fails the test if f has not returned after limit: a liveness
// check for a promise that a wait ends with the caller, not a timing.
func ends(t *testing.T, limit time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("still waiting after %v", limit)
	}
}

func TestTokenFetch_EndsWithTheCall(t *testing.T) {
	tokens, fetches := hangingTokenEndpoint(t)
	api := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
	for name, src := range map[string]iotapi.Option{
		"oauth2": iotapi.WithTokenSource(dt.OAuth2(context.Background(), tokens.URL, "id", "secret")),
		"json":   iotapi.WithTokenSource(endpointmgr.ApplicationToken(context.Background(), nil, tokens.URL, "app")),
	} {
		t.Run(name+" deadline", func(t *testing.T) {
			c, _ := newClient(dt.Vendor, src)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			ends(t, 5*time.Second, func() {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api.URL, nil)
				_, err := c.Do(req)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			})
		})
		t.Run(name+" client timeout", func(t *testing.T) {
			c := iotapi.NewClient(&http.Client{Timeout: 50 * time.Millisecond}, dt.Vendor, src)
			ends(t, 5*time.Second, func() {
				_, err := get(t, c, api.URL)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			})
		})
	}
	assert.Equal(t, int64(4), fetches.Load())
}

// A source is built with a context that ends later (a request's): later
// calls still get tokens.
func TestTokenSource_BuiltWithAContextThatEnds(t *testing.T) {
	te := iotapitest.NewTokenEndpoint("tiot")
	tokens := httptest.NewServer(te)
	defer tokens.Close()
	api := httptest.NewServer(te.Protect(iotapitest.JSON(http.StatusOK, `{}`)))
	defer api.Close()
	ctx, cancel := context.WithCancel(context.Background())
	src := tiot.OAuth2(ctx, tokens.URL+"/token", "id", "secret")
	cancel()
	c, _ := newClient(tiot.Vendor, iotapi.WithTokenSource(src))
	resp, err := get(t, c, api.URL)
	require.NoError(t, err)
	resp.Body.Close()
}

// Twenty callers wait for one fetch, which times out (the token
// endpoint hangs; the source's HTTP client gives up): they share one more
// fetch, then fail with its error; they do not queue a fetch each.
func TestTokenFetch_FailedSharedFetchIsNotAQueue(t *testing.T) {
	tokens, fetches := hangingTokenEndpoint(t)
	api := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
	impatient := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: 50 * time.Millisecond})
	c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(dt.OAuth2(impatient, tokens.URL, "id", "secret")))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	ends(t, 10*time.Second, func() {
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api.URL, nil)
				_, err := c.Do(req)
				errs <- err
			}()
		}
		wg.Wait()
	})
	close(errs)
	for err := range errs {
		assert.ErrorIs(t, err, context.DeadlineExceeded, "the fetch's timeout")
	}
	assert.LessOrEqual(t, fetches.Load(), int64(2), "one fetch, and one more shared by those still waiting")
}

// A token endpoint that answers 429 with Retry-After is asked once, not
// once per call.
func TestTokenFetch_RetryAfterIsRespected(t *testing.T) {
	for _, c := range []struct {
		vendor string
		source func(url string) iotapi.Option
		limit  iotapitest.Response
	}{
		{"tellus", func(u string) iotapi.Option {
			return iotapi.WithTokenSource(tellus.ClientCredentials(context.Background(), u, "id", "secret"))
		}, iotapitest.MustLookup("tellus", "5001_too_many_requests").WithHeader("Retry-After", "30")},
		{"dt", func(u string) iotapi.Option {
			return iotapi.WithTokenSource(dt.OAuth2(context.Background(), u+"/token", "id", "secret"))
		}, iotapitest.MustLookup("dt", "429")},
		{"endpointmgr", func(u string) iotapi.Option {
			return iotapi.WithTokenSource(endpointmgr.ApplicationToken(context.Background(), nil, u, "app"))
		}, iotapitest.MustLookup("endpointmgr", "1105_toomanyrequests").WithHeader("Retry-After", "30")},
	} {
		t.Run(c.vendor, func(t *testing.T) {
			te := iotapitest.NewTokenEndpoint(c.vendor)
			te.Fail(c.limit)
			tokens := httptest.NewServer(te)
			defer tokens.Close()
			api := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
			v := map[string]iotapi.Vendor{"tellus": tellus.Vendor, "dt": dt.Vendor, "endpointmgr": endpointmgr.Vendor}[c.vendor]
			cl, _ := newClient(v, c.source(tokens.URL))
			var wg sync.WaitGroup
			for i := 0; i < 50; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := get(t, cl, api.URL)
					var apiErr *iotapi.APIError
					if assert.ErrorAs(t, err, &apiErr) {
						assert.Equal(t, iotapi.RateLimited, apiErr.Kind)
						assert.Positive(t, apiErr.RetryAfter, "the caller learns how long to wait")
					}
				}()
			}
			wg.Wait()
			assert.Equal(t, 1, te.Requests(), "50 calls, one token request")
		})
	}
}

// The token goes only to the host it was meant for: not to another host a
// redirect leads to, through the Client or the Transport; a subdomain
// gets it, as net/http decides.
func TestTokenSource_NotSentToAnotherHost(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	record := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name] = r.Header.Get("Authorization")
			mu.Unlock()
			iotapitest.OK(`{}`)(w, r)
		})
	}
	elsewhere := httptest.NewServer(record("elsewhere"))
	defer elsewhere.Close()
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, strings.Replace(elsewhere.URL, "127.0.0.1", "localhost", 1)+"/x", http.StatusTemporaryRedirect)
			return
		}
		record("vendor").ServeHTTP(w, r)
	}))
	defer vendor.Close()
	src := iotapi.WithTokenSource(&countingSource{life: time.Hour})
	for name, d := range map[string]interface {
		Do(*http.Request) (*http.Response, error)
	}{
		"Client":    iotapi.NewClient(&http.Client{}, dt.Vendor, src),
		"Transport": &http.Client{Transport: iotapi.NewTransport(nil, dt.Vendor, src)},
	} {
		t.Run(name, func(t *testing.T) {
			mu.Lock()
			clear(seen)
			mu.Unlock()
			req, _ := http.NewRequest(http.MethodGet, vendor.URL+"/moved", nil)
			resp, err := d.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, "", seen["elsewhere"], "no token to another host")
		})
	}
}

// A token endpoint URL with credentials in it (user information, a code
// or an API key in the query) never shows them in a fetch error or a
// report.
func TestTokenFetch_ErrorsKeepTheEndpointsCredentials(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	const secret = "PLANTED-tok-cred"
	api := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
	u := strings.Replace(deadURL, "http://", "http://user-"+secret+":pw-"+secret+"@", 1) + "/token?code=" + secret + "&api_key=" + secret
	for name, src := range map[string]iotapi.Option{
		"oauth2": iotapi.WithTokenSource(dt.OAuth2(context.Background(), u, "id", "secret-"+secret)),
		"json":   iotapi.WithTokenSource(endpointmgr.ApplicationToken(context.Background(), nil, u, "app-"+secret)),
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := newClient(dt.Vendor, src)
			_, err := get(t, c, api.URL)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), secret)
			for e := err; e != nil; e = errors.Unwrap(e) {
				assert.NotContains(t, e.Error(), secret, "%T in the chain", e)
			}
			if r, ok := iotapi.NewReport(err); ok {
				assert.NotContains(t, r.String(), secret)
			}
			assert.Contains(t, err.Error(), "code=REDACTED")
		})
	}
}
