package redisx

import (
	"log/slog"
	"time"

	"github.com/iotapi/iotapi"
)

// Defaults shared by the Limiter and the TokenCache.
const (
	// DefaultCallTimeout bounds each Redis call, so a slow or silent Redis
	// delays a Limiter.Wait or a TokenCache.Token by at most this much
	// before the fallback.
	DefaultCallTimeout = 100 * time.Millisecond
	// DefaultRetryRedisAfter is how long a Limiter or a TokenCache does
	// without Redis after a failure before it tries Redis again.
	DefaultRetryRedisAfter = 5 * time.Second
)

// An Option configures a Limiter and a TokenCache alike: it is both a
// LimiterOption and a TokenCacheOption.
type Option interface {
	LimiterOption
	TokenCacheOption
}

// A LimiterOption configures a Limiter (see NewLimiter).
type LimiterOption interface {
	applyLimiter(*limiterConfig)
}

// A TokenCacheOption configures a TokenCache (see NewTokenCache).
type TokenCacheOption interface {
	applyTokenCache(*tokenCacheConfig)
}

// WithLogger sets where warnings about Redis go (default, and for nil,
// slog.Default()).
func WithLogger(l *slog.Logger) Option { return commonOption(func(c *config) { c.logger = l }) }

// WithCallTimeout bounds each Redis call (default DefaultCallTimeout; d <=
// 0 means the default). A call that Redis has not answered by then, or by
// the end of the caller's context when that comes first, is given up and
// the fallback used.
func WithCallTimeout(d time.Duration) Option {
	return commonOption(func(c *config) { c.callTimeout = d })
}

// WithRetryRedisAfter sets how long to do without Redis after a failure
// (default DefaultRetryRedisAfter; d <= 0 means the default).
func WithRetryRedisAfter(d time.Duration) Option {
	return commonOption(func(c *config) { c.retryRedisAfter = d })
}

// WithFallback sets the limiter a Limiter paces with while Redis is
// unreachable (default, and for nil: the RateLimit's local limiter, as if
// this were the only replica).
func WithFallback(l iotapi.Limiter) LimiterOption {
	return limiterOption(func(c *limiterConfig) { c.fallback = l })
}

// WithTokenMargin sets how long before expiry the shared token is replaced
// (default iotapi.DefaultTokenMargin). d below 0 counts as 0, and above
// iotapi.MaxTokenMargin as iotapi.MaxTokenMargin.
func WithTokenMargin(d time.Duration) TokenCacheOption {
	return tokenCacheOption(func(c *tokenCacheConfig) { c.margin = min(max(d, 0), iotapi.MaxTokenMargin) })
}

// WithLockTTL sets how long a replica may hold the refresh lock (default
// DefaultLockTTL; d <= 0 means the default, and d is at least a
// millisecond and at most MaxLockTTL). Replicas sharing a key should use
// the same TTL: a lock found with a longer one is cut to this one.
func WithLockTTL(d time.Duration) TokenCacheOption {
	return tokenCacheOption(func(c *tokenCacheConfig) { c.lockTTL = d })
}

// config is what both a Limiter and a TokenCache are configured with.
type config struct {
	logger          *slog.Logger
	callTimeout     time.Duration
	retryRedisAfter time.Duration
}

type limiterConfig struct {
	config
	fallback iotapi.Limiter
}

type tokenCacheConfig struct {
	config
	margin  time.Duration
	lockTTL time.Duration
	poll    time.Duration
}

type commonOption func(*config)

func (f commonOption) applyLimiter(c *limiterConfig)       { f(&c.config) }
func (f commonOption) applyTokenCache(c *tokenCacheConfig) { f(&c.config) }

type limiterOption func(*limiterConfig)

func (f limiterOption) applyLimiter(c *limiterConfig) { f(c) }

type tokenCacheOption func(*tokenCacheConfig)

func (f tokenCacheOption) applyTokenCache(c *tokenCacheConfig) { f(c) }

// withDefaults fills in what the options left unset or out of range.
func (c config) withDefaults() config {
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.callTimeout <= 0 {
		c.callTimeout = DefaultCallTimeout
	}
	if c.retryRedisAfter <= 0 {
		c.retryRedisAfter = DefaultRetryRedisAfter
	}
	return c
}

func newLimiterConfig(rl iotapi.RateLimit, opts []LimiterOption) limiterConfig {
	var c limiterConfig
	for _, o := range opts {
		if o != nil {
			o.applyLimiter(&c)
		}
	}
	c.config = c.config.withDefaults()
	if c.fallback == nil {
		c.fallback = rl.NewLimiter()
	}
	return c
}

func newTokenCacheConfig(opts []TokenCacheOption) tokenCacheConfig {
	c := tokenCacheConfig{margin: iotapi.DefaultTokenMargin, poll: DefaultPoll}
	for _, o := range opts {
		if o != nil {
			o.applyTokenCache(&c)
		}
	}
	c.config = c.config.withDefaults()
	switch {
	case c.lockTTL <= 0:
		c.lockTTL = DefaultLockTTL
	case c.lockTTL < time.Millisecond:
		c.lockTTL = time.Millisecond
	case c.lockTTL > MaxLockTTL:
		c.lockTTL = MaxLockTTL
	}
	return c
}
