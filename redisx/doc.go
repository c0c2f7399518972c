// Package redisx lets several replicas of a service share one vendor quota,
// one vendor token and one circuit breaker through Redis: a distributed
// rate limiter (an exact sliding-window log, one Lua script) for
// iotapi.WithRateLimit, a shared token cache for iotapi.WithTokenCache in
// which only one replica refreshes the token at a time, and a store for
// iotapi.BreakerSettings.
//
// Redis is never a reason for a call to wait long or fail. Each Redis call
// of a Limiter or a TokenCache ends within its bound, the call timeout
// (DefaultCallTimeout, 100 ms) or the end of the caller's context when that
// comes first, whatever the options of the client it is given: a
// *redis.Client, a ClusterClient, a Ring or a failover client; a
// BreakerStore's calls end within a second, or with the attempt's context
// for the reads a breaker makes before each attempt. When Redis fails or does not
// answer in time, a Limiter paces with a local limiter and a TokenCache fetches the token
// in the process, for DefaultRetryRedisAfter, with one warning. State under
// its keys that it did not write (another type, a list that is not a log,
// moments given out after Redis's now, a lock that would never expire) is
// repaired with a warning, never waited on.
//
// NewLimiter takes LimiterOptions and NewTokenCache TokenCacheOptions; an
// Option (WithLogger, WithCallTimeout, WithRetryRedisAfter) is both.
//
// It is a module of its own so that the core iotapi module does not depend
// on Redis.
package redisx
