package iotapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// blockingSource is a plain oauth2.TokenSource (no TokenContext) that
// blocks until released, then panics or returns its token.
type blockingSource struct {
	release chan struct{}
	mu      sync.Mutex
	calls   int
	panics  bool
}

func (s *blockingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	<-s.release
	if s.panics {
		panic("token source broke")
	}
	return &oauth2.Token{AccessToken: "tok", Expiry: time.Now().Add(time.Hour)}, nil
}

// A plain oauth2.TokenSource takes no context, yet a call's wait for it
// ends with the call; a source that hangs holds one fetch, not one per
// call, and the fetch's goroutine ends when the source returns.
func TestTokenSource_PlainSourceWaitEndsWithTheCall(t *testing.T) {
	api := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
	src := &blockingSource{release: make(chan struct{})}
	c := iotapi.NewClient(&http.Client{Timeout: 50 * time.Millisecond}, dt.Vendor, iotapi.WithTokenSource(src))
	for i := 0; i < 3; i++ {
		ends(t, 5*time.Second, func() {
			_, err := get(t, c, api.URL)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		})
	}
	src.mu.Lock()
	assert.Equal(t, 1, src.calls, "one fetch while the source hangs")
	src.mu.Unlock()
	close(src.release)
	eventuallySucceeds(t, c, api.URL, "the hung fetch's token serves the next call")
}

// A plain source that panics on the fetch's goroutine fails the call; the
// process goes on.
func TestTokenSource_PlainSourcePanicIsAnError(t *testing.T) {
	api := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
	src := &blockingSource{release: make(chan struct{}), panics: true}
	close(src.release)
	c := iotapi.NewClient(&http.Client{Timeout: 5 * time.Second}, dt.Vendor, iotapi.WithTokenSource(src))
	_, err := get(t, c, api.URL)
	require.Error(t, err)
	assert.ErrorContains(t, err, "token fetch panicked")
}

// panickingOnce is a ContextTokenSource whose first fetch panics.
type panickingOnce struct {
	mu    sync.Mutex
	calls int
	hold  chan struct{}
}

func (s *panickingOnce) Token() (*oauth2.Token, error) { return s.TokenContext(context.Background()) }

func (s *panickingOnce) TokenContext(context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	s.calls++
	first := s.calls == 1
	s.mu.Unlock()
	if first {
		<-s.hold
		panic("token source broke")
	}
	return &oauth2.Token{AccessToken: "tok", Expiry: time.Now().Add(time.Hour)}, nil
}

// A fetch that panics goes on up its caller, and the callers waiting for
// the same fetch are told, not left waiting; the next fetch is tried.
func TestTokenCache_FetchThatPanicsDoesNotWedgeTheCache(t *testing.T) {
	api := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
	src := &panickingOnce{hold: make(chan struct{})}
	c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(src))
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_, _ = get(t, c, api.URL)
	}()
	require.Eventually(t, func() bool { src.mu.Lock(); defer src.mu.Unlock(); return src.calls == 1 }, 5*time.Second, time.Millisecond)
	waiter := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api.URL, nil)
		_, err := c.Do(req)
		waiter <- err
	}()
	time.Sleep(20 * time.Millisecond) // the waiter joins the fetch
	close(src.hold)
	assert.Equal(t, "token source broke", <-panicked, "the panic reaches the caller that fetched")
	err := <-waiter
	require.Error(t, err)
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "the waiter is told, not left waiting")

	eventuallySucceeds(t, c, api.URL, "a later call fetches again")
}

// The TokenFetch hook gets the fetch's error redacted, as the call's is.
func TestHooks_TokenFetchErrorIsRedacted(t *testing.T) {
	api := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
	const secret = "hunter2-client-secret"
	src := &countingSource{err: fmt.Errorf("Post %q: connection refused", "https://auth.example.com/token?client_secret="+secret)}
	var got error
	c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(src), iotapi.WithHooks(iotapi.Hooks{
		TokenFetch: func(_ context.Context, f iotapi.TokenFetch) { got = f.Err },
	}))
	_, err := get(t, c, api.URL)
	require.Error(t, err)
	require.Error(t, got)
	for name, text := range map[string]string{"call": err.Error(), "hook": got.Error(), "hook %+v": fmt.Sprintf("%+v", got)} {
		assert.NotContains(t, text, secret, name)
	}
}

// nilCache is a TokenCache that breaks its contract: no token, no error.
type nilCache struct{}

func (nilCache) Token(context.Context, string, func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	return nil, nil
}

func TestTokenCache_NoTokenNoErrorIsAnError(t *testing.T) {
	api := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
	c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(&countingSource{life: time.Hour}), iotapi.WithTokenCache(nilCache{}))
	_, err := get(t, c, api.URL)
	assert.ErrorContains(t, err, "token cache returned no access token")
}

// A success check that fails a 2xx with an error of its own: the call
// fails with the response as an *APIError whose Err is that error.
func TestClient_SuccessCheckErrorIsKept(t *testing.T) {
	api := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{"state":"half"}`))))
	errHalf := errors.New("half done")
	v := iotapi.NewVendor("acme", nil, iotapi.WithSuccessCheck(func(*http.Response) error { return errHalf }))
	c, _ := newClient(v)
	resp, err := get(t, c, api.URL)
	assert.Nil(t, resp)
	var apiErr *iotapi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusOK, apiErr.StatusCode)
	assert.ErrorIs(t, err, errHalf)
	assert.Equal(t, `{"state":"half"}`, string(apiErr.Body))
}

// eventuallySucceeds fails the test unless a GET through c succeeds within
// five seconds.
func eventuallySucceeds(t *testing.T, c *iotapi.Client, url, msg string) {
	t.Helper()
	require.Eventually(t, func() bool {
		resp, err := get(t, c, url)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}, 5*time.Second, 10*time.Millisecond, msg)
}
