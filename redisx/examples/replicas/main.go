// Command replicas runs four replicas of a service against one simulated DT
// account whose quota is enforced strictly (75 requests per second here,
// DT's 75 per 10 s scaled up), sharing the quota and the token through
// Redis, and prints what the vendor saw.
//
//	REDIS_ADDR=127.0.0.1:6379 go run ./redisx/examples/replicas
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/redisx"
	"github.com/redis/go-redis/v9"
)

func main() {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	if err := run(addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		os.Exit(1)
	}
}

func run(addr string, out io.Writer) error {
	probe := redis.NewClient(&redis.Options{Addr: addr})
	defer probe.Close()
	if err := probe.Ping(context.Background()).Err(); err != nil {
		return fmt.Errorf("no Redis at %s (set REDIS_ADDR): %w", addr, err)
	}
	quota := iotapi.RateLimit{Requests: 75, Per: time.Second}
	vendor := newVendor(quota)
	srv := httptest.NewServer(vendor)
	defer srv.Close()

	// Each replica has its own Redis connection, limiter, token cache and
	// client; the Redis keys are what they share.
	key := redisx.AccountKey("dt", fmt.Sprintf("demo-%d", time.Now().UnixNano()))
	var clients []*iotapi.Client
	for i := 0; i < 4; i++ {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		clients = append(clients, iotapi.NewClient(&http.Client{Timeout: 10 * time.Second}, dt.Vendor,
			iotapi.WithRateLimit(redisx.NewLimiter(rdb, key, quota)),
			iotapi.WithTokenCache(redisx.NewTokenCache(rdb, key)),
			iotapi.WithTokenSource(dt.OAuth2(context.Background(), srv.URL+"/oauth2/token", "service-account", "secret")),
			iotapi.WithMaxRetries(0)))
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(2*time.Second, cancel)
	var wg sync.WaitGroup
	for _, c := range clients {
		for g := 0; g < 10; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2/projects/p1/devices", nil)
					if resp, err := c.Do(req); err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			}()
		}
	}
	wg.Wait()
	fmt.Fprintf(out, "4 replicas x 10 goroutines for 2 s against a quota of %d per %v:\n", quota.Requests, quota.Per)
	fmt.Fprintf(out, "  accepted %d (%.1f%% of the quota), answered 429: %d, token fetches: %d\n",
		vendor.quota.Accepted(), 100*vendor.quota.Utilization(), vendor.quota.Limited(), vendor.tokens.Load())
	return nil
}

// simulated is a DT account: a token endpoint, and an API behind the
// account's quota.
type simulated struct {
	quota  *iotapitest.Quota
	tokens atomic.Int64
}

func newVendor(q iotapi.RateLimit) *simulated {
	return &simulated{quota: iotapitest.NewQuota(q.Requests, q.Per,
		iotapitest.JSON(http.StatusOK, `{"devices":[]}`), iotapitest.MustLookup("dt", "429"))}
}

func (s *simulated) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth2/token" {
		n := s.tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"dt-%d","token_type":"Bearer","expires_in":3600}`, n)
		return
	}
	s.quota.ServeHTTP(w, r)
}
