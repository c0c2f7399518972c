package redisx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/redisx"
	"github.com/iotapi/iotapi/tellus"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// tokenEndpoint issues tls-1, tls-2, ... (slowly, like a real endpoint)
// and counts the fetches.
type tokenEndpoint struct {
	n atomic.Int64
}

func (e *tokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(30 * time.Millisecond)
	n := e.n.Add(1)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"tls-%d","token_type":"Bearer","expires_in":86400}`, n)
}

// api accepts only the token it is told is current.
type api struct {
	current atomic.Value // string
	calls   atomic.Int64
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.calls.Add(1)
	if r.Header.Get("Authorization") == "Bearer "+a.current.Load().(string) {
		iotapitest.OK(`{"code":0,"message":"success","data":{}}`)(w, r)
		return
	}
	iotapitest.MustLookup("tellus", "2002_token_expired").ServeHTTP(w, r)
}

// replica is one client as one replica has it: its own Redis connection,
// its own token cache and token source.
func replica(t *testing.T, key, tokenURL string) *iotapi.Client {
	cache := redisx.NewTokenCache(newRedis(t), key)
	ts := tellus.ClientCredentials(context.Background(), tokenURL, "client-1", "secret")
	return iotapi.NewClient(&http.Client{Timeout: 10 * time.Second}, tellus.Vendor,
		iotapi.WithTokenSource(ts), iotapi.WithTokenCache(cache))
}

func callAll(t *testing.T, clients []*iotapi.Client, url string) {
	t.Helper()
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			resp, err := c.Do(req)
			if !assert.NoError(t, err) {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
}

// fleet is a Tellus account with a token endpoint and an API, and eight
// replicas calling it.
type fleet struct {
	key     string
	tokens  *tokenEndpoint
	api     *api
	url     string
	clients []*iotapi.Client
}

func newFleet(t *testing.T) *fleet {
	t.Helper()
	f := &fleet{key: testKey(t), tokens: &tokenEndpoint{}, api: &api{}}
	tokenSrv := httptest.NewServer(f.tokens)
	t.Cleanup(tokenSrv.Close)
	f.api.current.Store("tls-1")
	apiSrv := httptest.NewServer(f.api)
	t.Cleanup(apiSrv.Close)
	f.url = apiSrv.URL
	for i := 0; i < 8; i++ {
		f.clients = append(f.clients, replica(t, f.key, tokenSrv.URL))
	}
	return f
}

// TestTokenCache_EightReplicasOneFetch: 8 replicas start with an expired
// token in Redis and call at once: exactly one token fetch between them.
func TestTokenCache_EightReplicasOneFetch(t *testing.T) {
	f := newFleet(t)
	expired, _ := json.Marshal(&oauth2.Token{AccessToken: "tls-0", Expiry: time.Now().Add(-time.Minute)})
	require.NoError(t, newRedis(t).Set(context.Background(), f.key+":token", expired, 0).Err())

	callAll(t, f.clients, f.url)
	assert.Equal(t, int64(1), f.tokens.n.Load(), "one token fetch for 8 replicas")
	assert.Equal(t, int64(8), f.api.calls.Load(), "each replica called once, with the shared token")

	callAll(t, f.clients, f.url)
	assert.Equal(t, int64(1), f.tokens.n.Load(), "and it stays shared")
}

// TestTokenCache_RejectedTokenRefreshedOnceForAll: the vendor revokes the
// shared token; the replicas that see the 401 refresh it once between
// them, and all move to the new one.
func TestTokenCache_RejectedTokenRefreshedOnceForAll(t *testing.T) {
	f := newFleet(t)
	callAll(t, f.clients, f.url)
	require.Equal(t, int64(1), f.tokens.n.Load())

	f.api.current.Store("tls-2") // tls-1 is revoked
	callAll(t, f.clients, f.url)
	assert.Equal(t, int64(2), f.tokens.n.Load(), "one refresh for all 8 replicas")
}

func TestTokenCache_DegradesWhenRedisIsDown(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer dead.Close()
	var logs bytes.Buffer
	cache := redisx.NewTokenCache(dead, "k", redisx.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	var fetches atomic.Int64
	fetch := func(context.Context) (*oauth2.Token, error) {
		fetches.Add(1)
		return &oauth2.Token{AccessToken: "local", Expiry: time.Now().Add(time.Hour)}, nil
	}
	for i := 0; i < 3; i++ {
		tok, err := cache.Token(context.Background(), "", fetch)
		require.NoError(t, err)
		assert.Equal(t, "local", tok.AccessToken)
	}
	assert.Equal(t, int64(1), fetches.Load(), "fetched here once, then cached here")
	assert.Equal(t, 1, strings.Count(logs.String(), "Redis unreachable"), "one warning per outage")
}

func TestTokenCache_HolderDiesLockExpires(t *testing.T) {
	rdb := newRedis(t)
	key := testKey(t)
	// A replica took the lock and died.
	require.NoError(t, rdb.Set(context.Background(), key+":token:lock", "dead-replica", 300*time.Millisecond).Err())
	cache := redisx.NewTokenCache(newRedis(t), key, redisx.WithLockTTL(300*time.Millisecond))
	start := time.Now()
	tok, err := cache.Token(context.Background(), "", func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "fresh", Expiry: time.Now().Add(time.Hour)}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, "fresh", tok.AccessToken)
	assert.Less(t, time.Since(start), 2*time.Second, "waits for the lock's expiry, not forever")
}

func TestTokenCache_WaitEndsWithContext(t *testing.T) {
	rdb := newRedis(t)
	key := testKey(t)
	require.NoError(t, rdb.Set(context.Background(), key+":token:lock", "other", time.Minute).Err())
	cache := redisx.NewTokenCache(newRedis(t), key)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := cache.Token(ctx, "", func(context.Context) (*oauth2.Token, error) { t.Error("fetched without the lock"); return nil, nil })
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestTokenCache_OneCallerGivingUpDoesNotFailTheOthers(t *testing.T) {
	rdb := newRedis(t)
	key := testKey(t)
	// Another replica holds the lock for a moment, then stores a token.
	require.NoError(t, rdb.Set(context.Background(), key+":token:lock", "other", time.Minute).Err())
	go func() {
		time.Sleep(200 * time.Millisecond)
		raw, _ := json.Marshal(&oauth2.Token{AccessToken: "from-other", Expiry: time.Now().Add(time.Hour)})
		rdb.Set(context.Background(), key+":token", raw, 0)
	}()
	cache := redisx.NewTokenCache(newRedis(t), key)
	never := func(context.Context) (*oauth2.Token, error) { t.Error("fetched without the lock"); return nil, nil }

	impatient, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := cache.Token(impatient, "", never); done <- err }()
	time.Sleep(10 * time.Millisecond)
	tok, err := cache.Token(context.Background(), "", never)
	require.NoError(t, err, "the patient caller gets the other replica's token")
	assert.Equal(t, "from-other", tok.AccessToken)
	assert.ErrorIs(t, <-done, context.DeadlineExceeded, "the impatient one gave up on its own")
}
