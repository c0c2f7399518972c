package redisx_test

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/redisx"
	"github.com/redis/go-redis/v9"
)

// Every replica builds its client the same way; what they share is the
// Redis key of the vendor account.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "redis.internal:6379"})
	key := redisx.AccountKey("dt", "project-42")

	client := iotapi.NewClient(&http.Client{}, dt.Vendor,
		iotapi.WithRateLimit(redisx.NewLimiter(rdb, key, dt.RateLimit)), // one quota for all replicas
		iotapi.WithTokenSource(dt.OAuth2(context.Background(), "https://auth.dt.example/oauth2/token", "sa-id", "sa-secret")),
		iotapi.WithTokenCache(redisx.NewTokenCache(rdb, key)), // one token, refreshed by one replica at a time
	)
	_ = client
}

// Options shared by the Limiter and the TokenCache can be kept in one
// place; WithFallback is the Limiter's own, WithLockTTL the TokenCache's
// (passing either to the other does not compile).
func Example_options() {
	rdb := redis.NewClient(&redis.Options{Addr: "redis.internal:6379"})
	key := redisx.AccountKey("dt", "project-42")
	logger := redisx.WithLogger(slog.Default().With("component", "redisx"))
	slowRedis := redisx.WithCallTimeout(250 * time.Millisecond)

	limiter := redisx.NewLimiter(rdb, key, dt.RateLimit, logger, slowRedis,
		redisx.WithFallback(iotapi.RateLimit{Requests: 25, Per: 10 * time.Second}.NewLimiter())) // a third of the quota per replica
	tokens := redisx.NewTokenCache(rdb, key, logger, slowRedis, redisx.WithLockTTL(5*time.Second))
	_, _ = limiter, tokens
}
