package redisx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
)

// Defaults of the TokenCache.
const (
	// DefaultLockTTL is how long a replica may hold the refresh lock: long
	// enough for a token request, short enough that a replica dying
	// mid-refresh holds the others up only this long.
	DefaultLockTTL = 10 * time.Second
	// DefaultPoll is how often a replica waiting for another's refresh
	// looks for the new token.
	DefaultPoll = 50 * time.Millisecond
)

// WithTokenMargin sets how long before expiry the shared token is replaced
// (default iotapi.DefaultTokenMargin).
func WithTokenMargin(d time.Duration) Option { return func(o *options) { o.margin = d } }

// WithLockTTL sets how long the refresh lock is held at most (default
// DefaultLockTTL).
func WithLockTTL(d time.Duration) Option { return func(o *options) { o.lockTTL = d } }

// TokenCache is an iotapi.TokenCache shared through Redis: every replica
// with the same key uses one token, and only one replica refreshes it at a
// time, under a Redis lock that expires (SET NX PX). Replicas that find the
// lock taken use the current token while it has not expired, or wait for
// the new one. Within a process, calls share one copy of the token and one
// trip to Redis.
//
// When Redis cannot be reached, it degrades to fetching the token in this
// process (with a logged warning), so calls go on. It is safe for
// concurrent use.
type TokenCache struct {
	rdb     redis.UniversalClient
	key     string
	lockKey string
	owner   string
	opts    options
	local   iotapi.TokenCache
	down    outage
}

// NewTokenCache returns a TokenCache for the token stored under key (see
// AccountKey) on rdb.
func NewTokenCache(rdb redis.UniversalClient, key string, opts ...Option) *TokenCache {
	o := newOptions(opts)
	if o.callTimeout <= 0 {
		o.callTimeout = o.lockTTL / 4
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	return &TokenCache{rdb: rdb, key: key + ":token", lockKey: key + ":token:lock", owner: hex.EncodeToString(id[:]),
		opts: o, local: iotapi.NewMemoryTokenCache(o.margin)}
}

// Token returns the shared token, refreshing it through fetch when it is
// missing, about to expire, or stale (the token a vendor just rejected).
func (c *TokenCache) Token(ctx context.Context, stale string, fetch func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	return c.local.Token(ctx, stale, func(ctx context.Context) (*oauth2.Token, error) { return c.shared(ctx, stale, fetch) })
}

// shared gets the token through Redis, refreshing it under the lock.
func (c *TokenCache) shared(ctx context.Context, stale string, fetch func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	if c.down.active() {
		return fetch(ctx)
	}
	for {
		tok, err := c.load(ctx)
		if err != nil {
			return c.degrade(ctx, err, fetch)
		}
		if iotapi.TokenUsable(tok, stale, c.opts.margin) {
			return tok, nil
		}
		locked, err := c.call(ctx, func(ctx context.Context) error {
			return c.rdb.SetArgs(ctx, c.lockKey, c.owner, redis.SetArgs{Mode: "NX", TTL: c.opts.lockTTL}).Err()
		})
		switch {
		case err != nil && !errors.Is(err, redis.Nil):
			return c.degrade(ctx, err, fetch)
		case locked && err == nil:
			return c.refresh(ctx, stale, fetch)
		}
		// Another replica is refreshing: the current token serves until it
		// expires; otherwise wait for the new one.
		if tok != nil && tok.AccessToken != stale && (tok.Expiry.IsZero() || time.Now().Before(tok.Expiry)) {
			return tok, nil
		}
		t := time.NewTimer(c.opts.poll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}

// refresh runs under the lock: look once more (another replica may have
// stored a token just before the lock was taken), fetch, store, unlock.
func (c *TokenCache) refresh(ctx context.Context, stale string, fetch func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	defer func() {
		_, _ = c.call(context.WithoutCancel(ctx), func(ctx context.Context) error {
			return unlock.Run(ctx, c.rdb, []string{c.lockKey}, c.owner).Err()
		})
	}()
	if tok, err := c.load(ctx); err == nil && iotapi.TokenUsable(tok, stale, c.opts.margin) {
		return tok, nil
	}
	tok, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.store(ctx, tok); err != nil {
		c.warn("could not store the token in Redis", err)
	}
	return tok, nil
}

// unlock deletes the lock only if this replica still holds it.
var unlock = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)

func (c *TokenCache) load(ctx context.Context) (*oauth2.Token, error) {
	var raw []byte
	_, err := c.call(ctx, func(ctx context.Context) error {
		var err error
		raw, err = c.rdb.Get(ctx, c.key).Bytes()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var tok oauth2.Token
	if json.Unmarshal(raw, &tok) != nil {
		return nil, nil // unreadable: as if absent, and replaced on refresh
	}
	return &tok, nil
}

func (c *TokenCache) store(ctx context.Context, tok *oauth2.Token) error {
	raw, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	var ttl time.Duration
	if !tok.Expiry.IsZero() {
		if ttl = time.Until(tok.Expiry); ttl <= 0 {
			return nil
		}
	}
	_, err = c.call(ctx, func(ctx context.Context) error { return c.rdb.Set(ctx, c.key, raw, ttl).Err() })
	return err
}

// call runs one Redis command within the call timeout. ok reports that it
// succeeded.
func (c *TokenCache) call(ctx context.Context, f func(context.Context) error) (ok bool, err error) {
	cctx, cancel := context.WithTimeout(ctx, c.opts.callTimeout)
	defer cancel()
	err = f(cctx)
	return err == nil, err
}

// degrade fetches in this process when Redis fails, unless the caller gave
// up.
func (c *TokenCache) degrade(ctx context.Context, err error, fetch func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if c.down.begin(c.opts.retryRedisAfter) {
		c.warn("Redis unreachable; fetching the token in this process", err)
	}
	return fetch(ctx)
}

func (c *TokenCache) warn(msg string, err error) {
	c.opts.logger.Warn("redisx: "+msg, slog.String("key", c.key), slog.String("error", err.Error()))
}

var _ iotapi.TokenCache = (*TokenCache)(nil)
