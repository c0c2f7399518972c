package redisx_test

import (
	"context"
	"net/http"

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
