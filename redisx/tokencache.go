package redisx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/sleep"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
)

// Defaults and bounds of the TokenCache.
const (
	// DefaultLockTTL is how long a replica may hold the refresh lock: long
	// enough for a token request, short enough that a replica dying
	// mid-refresh holds the others up only this long.
	DefaultLockTTL = 10 * time.Second
	// MaxLockTTL is the longest WithLockTTL.
	MaxLockTTL = time.Hour
	// DefaultPoll is how often a replica waiting for another's refresh
	// looks for the new token.
	DefaultPoll = 50 * time.Millisecond
)

// TokenCache is an iotapi.TokenCache shared through Redis: every replica
// with the same key uses one token, and only one replica refreshes it at a
// time, under a Redis lock that expires. Replicas that find the lock taken
// use the current token while it has not expired, or wait for the new one.
// Within a process, calls share one copy of the token and one trip to
// Redis.
//
// A token's expiry is read from its key's time to live in Redis, not from
// the clock of the replica that fetched it, so replicas whose clocks
// disagree replace it at the same moment.
//
// State it did not write is repaired, not obeyed: another type or an
// unreadable value under the token's key counts as no token and is
// replaced; another type under the lock's key is replaced; a lock with no
// expiry (restored from a snapshot without its TTL) or a longer one than
// the lock TTL is given the lock TTL, so no lock holds the others up for
// longer. Each is logged as a warning.
//
// Each Redis call ends within the call timeout (DefaultCallTimeout), or
// the end of the caller's context when that comes first, whatever the
// client's options. When Redis fails or does not answer in time, it logs a
// warning and fetches the token in this process, without Redis, for
// DefaultRetryRedisAfter, so calls go on. It is safe for concurrent use.
type TokenCache struct {
	redis   *redisCalls
	key     string
	lockKey string
	owner   string
	cfg     tokenCacheConfig
	local   iotapi.TokenCache
	down    outage
}

// NewTokenCache returns a TokenCache for the token stored under key (see
// AccountKey) on rdb: the token under key + ":token", the refresh lock
// under key + ":token:lock".
func NewTokenCache(rdb redis.UniversalClient, key string, opts ...TokenCacheOption) *TokenCache {
	cfg := newTokenCacheConfig(opts)
	var id [12]byte
	_, _ = rand.Read(id[:])
	return &TokenCache{redis: &redisCalls{rdb: rdb, timeout: cfg.callTimeout},
		key: key + ":token", lockKey: key + ":token:lock", owner: hex.EncodeToString(id[:]),
		cfg: cfg, local: iotapi.NewMemoryTokenCache(cfg.margin)}
}

// fetchFunc fetches a new token; see iotapi.TokenCache.
type fetchFunc = func(context.Context) (*oauth2.Token, error)

// Token returns the shared token, refreshing it through fetch when it is
// missing, about to expire, or stale (the token a vendor just rejected).
func (c *TokenCache) Token(ctx context.Context, stale string, fetch fetchFunc) (*oauth2.Token, error) {
	return c.local.Token(ctx, stale, func(ctx context.Context) (*oauth2.Token, error) { return c.shared(ctx, stale, fetch) })
}

// shared gets the token through Redis, refreshing it under the lock.
func (c *TokenCache) shared(ctx context.Context, stale string, fetch fetchFunc) (*oauth2.Token, error) {
	if c.down.active() {
		return fetch(ctx)
	}
	for {
		tok, err := c.load(ctx)
		if err != nil {
			return c.degrade(ctx, err, fetch)
		}
		if iotapi.TokenUsable(tok, stale, c.cfg.margin) {
			return tok, nil
		}
		locked, err := c.lock(ctx)
		if err != nil {
			return c.degrade(ctx, err, fetch)
		}
		if locked {
			return c.refresh(ctx, stale, fetch)
		}
		// Another replica is refreshing: the current token serves until it
		// expires; otherwise wait for the new one, or for the lock to
		// expire (within the lock TTL: see lockScript).
		if tok != nil && tok.AccessToken != stale && (tok.Expiry.IsZero() || time.Now().Before(tok.Expiry)) {
			return tok, nil
		}
		if err := sleep.For(ctx, c.cfg.poll); err != nil {
			return nil, err
		}
	}
}

// refresh runs under the lock: look once more (another replica may have
// stored a token just before the lock was taken), fetch, store, unlock.
// A Redis failure on the way leaves the lock to expire.
func (c *TokenCache) refresh(ctx context.Context, stale string, fetch fetchFunc) (*oauth2.Token, error) {
	tok, err := c.load(ctx)
	if err != nil {
		return c.degrade(ctx, err, fetch)
	}
	if iotapi.TokenUsable(tok, stale, c.cfg.margin) {
		c.unlock(ctx)
		return tok, nil
	}
	tok, err = fetch(ctx)
	if err != nil {
		c.unlock(ctx)
		return nil, err
	}
	c.store(ctx, tok)
	return tok, nil
}

// loadScript returns the token's key as {type, PTTL, value}: the value and
// its time to live (ms, -1 for none) only for a string.
var loadScript = redis.NewScript(`
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'string' then return {kind} end
return {kind, redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1])}`)

// load returns the shared token, nil for none. Its expiry is now plus the
// key's time to live, when it has one.
func (c *TokenCache) load(ctx context.Context) (*oauth2.Token, error) {
	res, err := bounded(ctx, c.redis, func(ctx context.Context, rdb redis.UniversalClient) ([]any, error) {
		return loadScript.Run(ctx, rdb, []string{c.key}).Slice()
	})
	received := time.Now()
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, errReply
	}
	kind, _ := res[0].(string)
	switch {
	case kind == "none":
		return nil, nil
	case kind != "string":
		c.warn("found a "+kind+" under the token's key; replacing it", nil)
		return nil, nil
	case len(res) != 3:
		return nil, errReply
	}
	ttl, _ := res[1].(int64)
	raw, _ := res[2].(string)
	var tok oauth2.Token
	if json.Unmarshal([]byte(raw), &tok) != nil {
		c.warn("found an unreadable token; replacing it", nil)
		return nil, nil
	}
	if ttl > 0 {
		tok.Expiry = received.Add(time.Duration(ttl) * time.Millisecond)
	}
	return &tok, nil
}

// store shares tok, which expires with it; a Redis failure is logged and
// starts an outage (the lock is left to expire). It runs on when the
// caller gave up, within the call timeout: the token is worth sharing.
func (c *TokenCache) store(ctx context.Context, tok *oauth2.Token) {
	raw, err := json.Marshal(tok)
	if err != nil {
		c.warn("could not store the token", err)
		c.unlock(ctx)
		return
	}
	var ttl time.Duration
	if !tok.Expiry.IsZero() {
		if ttl = time.Until(tok.Expiry); ttl <= 0 {
			c.unlock(ctx)
			return
		}
	}
	_, err = bounded(context.WithoutCancel(ctx), c.redis, func(ctx context.Context, rdb redis.UniversalClient) ([]redis.Cmder, error) {
		return rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, c.key, raw, ttl)
			releaseScript.Eval(ctx, p, []string{c.lockKey}, c.owner)
			return nil
		})
	})
	if err != nil {
		c.fail("could not store the token; fetching it in this process", err)
	}
}

// lock takes the refresh lock, reporting whether this replica holds it.
func (c *TokenCache) lock(ctx context.Context) (bool, error) {
	held, note, err := takeLock(ctx, c.redis, c.lockKey, c.owner, c.cfg.lockTTL, true)
	if note != "" {
		c.warn(fmt.Sprintf("found %s; the lock now expires within %v", note, c.cfg.lockTTL), nil)
	}
	return held, err
}

// unlock releases the lock, even when the caller gave up, within the call
// timeout; on failure the lock expires on its own.
func (c *TokenCache) unlock(ctx context.Context) {
	_ = releaseLock(context.WithoutCancel(ctx), c.redis, c.lockKey, c.owner)
}

// degrade fetches in this process when Redis fails, unless the caller gave
// up.
func (c *TokenCache) degrade(ctx context.Context, err error, fetch fetchFunc) (*oauth2.Token, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	c.fail("Redis unreachable; fetching the token in this process", err)
	return fetch(ctx)
}

// fail starts an outage after err, logging it once.
func (c *TokenCache) fail(msg string, err error) {
	if c.down.begin(c.cfg.retryRedisAfter) {
		c.warn(msg, err)
	}
}

func (c *TokenCache) warn(msg string, err error) {
	attrs := []any{slog.String("key", c.key)}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.cfg.logger.Warn("redisx: "+msg, attrs...)
}

var _ iotapi.TokenCache = (*TokenCache)(nil)
