// Command consumer is a user's program made of the README's snippets. The
// release check builds it in a fresh module that installs the released
// modules from a file-system module proxy, and runs it: against an
// in-process DT simulator, with no network, and against REDIS_ADDR when
// set (else against a port where nothing listens, so redisx falls back to
// pacing and fetching locally). It prints the core's version as the
// program was built with it, and exits non-zero if a snippet does not do
// what the README says.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/redisx"
	"github.com/redis/go-redis/v9"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

func run(out io.Writer) error {
	ctx := context.Background()
	httpClient := &http.Client{Timeout: 30 * time.Second}
	vendor := newVendor()
	srv := httptest.NewServer(vendor)
	defer srv.Close()
	fmt.Fprintln(out, "iotapi", iotapi.Version())

	// README, "Retries" and "Client-side rate limits".
	limiter := dt.RateLimit.NewLimiter()
	client := iotapi.NewClient(httpClient, dt.Vendor,
		iotapi.WithMaxRetries(3),
		iotapi.WithBackoff(time.Second, 20*time.Second),
		iotapi.WithMaxRetryAfter(time.Minute),
		iotapi.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		iotapi.WithRateLimit(limiter),
	)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2/projects/p1/devices/missing", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		return errors.New("a DT 404 came back without an error")
	}
	if !errors.Is(err, iotapi.NotFound) {
		return fmt.Errorf("a DT 404: %w, want iotapi.NotFound", err)
	}
	report, ok := iotapi.NewReport(err)
	if !ok || report.Vendor != "dt" {
		return fmt.Errorf("no support report for %v", err)
	}
	fmt.Fprintln(out, "404:", err)

	// README, "Running many replicas".
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:1" // nothing listens: redisx paces and fetches locally
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	key := redisx.AccountKey("dt", fmt.Sprintf("release-check-%d", time.Now().UnixNano()))
	tokenURL, clientID, clientSecret := srv.URL+"/oauth2/token", "sa-id", "sa-secret"
	client = iotapi.NewClient(httpClient, dt.Vendor,
		iotapi.WithRateLimit(redisx.NewLimiter(rdb, key, dt.RateLimit)),
		iotapi.WithTokenSource(dt.OAuth2(ctx, tokenURL, clientID, clientSecret)),
		iotapi.WithTokenCache(redisx.NewTokenCache(rdb, key)),
	)
	for i := 0; i < 2; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2/projects/p1/devices", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("devices: %w", err)
		}
		resp.Body.Close()
	}
	if calls, fetches := vendor.devices.Calls(), vendor.tokens.Load(); calls != 3 || fetches != 1 {
		return fmt.Errorf("two calls, the first retried after a 503: the vendor saw %d calls and %d token fetches, want 3 and 1", calls, fetches)
	}
	fmt.Fprintln(out, "devices: 2 calls, 1 retried after a 503, 1 token fetch")
	return nil
}

// vendor simulates DT: an OAuth2 token endpoint, a device list that fails
// once with DT's documented 503 and then answers, and DT's documented 404
// for anything else.
type vendor struct {
	tokens  atomic.Int64
	devices *iotapitest.Plan
	missing *iotapitest.Plan
}

func newVendor() *vendor {
	return &vendor{
		devices: iotapitest.NewPlan(
			iotapitest.Times(1, iotapitest.Respond(iotapitest.MustLookup("dt", "503"))),
			iotapitest.Always(iotapitest.OK(`{"devices":[]}`)),
		),
		missing: iotapitest.NewPlan(iotapitest.Always(iotapitest.Respond(iotapitest.MustLookup("dt", "404")))),
	}
}

func (v *vendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/oauth2/token":
		v.tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600})
	case "/v2/projects/p1/devices":
		if r.Header.Get("Authorization") != "Bearer token-1" {
			http.Error(w, `{"error":"unauthorized","code":401}`, http.StatusUnauthorized)
			return
		}
		v.devices.ServeHTTP(w, r)
	default:
		v.missing.ServeHTTP(w, r)
	}
}
