// Package redisx lets several replicas of a service share one vendor quota
// and one vendor token through Redis: a distributed rate limiter (an exact
// sliding-window log, one Lua script) for iotapi.WithRateLimit, and a shared
// token cache for iotapi.WithTokenCache in which only one replica refreshes
// the token at a time.
//
// It is a module of its own so that the core iotapi module does not depend
// on Redis.
package redisx
