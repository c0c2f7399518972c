package redisx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/redisx"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// logs is a logger for a Limiter or TokenCache under test, and what it
// wrote.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logs) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// redisNow returns Redis's clock in microseconds.
func redisNow(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	now, err := rdb.Time(context.Background()).Result()
	require.NoError(t, err)
	return now.UnixMicro()
}

// TestLimiter_RepairsWhatItDidNotWrite: another type under the log's key,
// or a list that is not a log of moments, is dropped with a warning, and
// the call goes at once through Redis (not the fallback), as with an empty
// log.
func TestLimiter_RepairsWhatItDidNotWrite(t *testing.T) {
	ctx := context.Background()
	rl := iotapi.RateLimit{Requests: 2, Per: time.Hour}
	for name, plant := range map[string]func(rdb *redis.Client, key string, now int64) error{
		"string": func(rdb *redis.Client, key string, _ int64) error {
			return rdb.Set(ctx, key, "someone else's", 0).Err()
		},
		"hash":  func(rdb *redis.Client, key string, _ int64) error { return rdb.HSet(ctx, key, "a", "b").Err() },
		"set":   func(rdb *redis.Client, key string, _ int64) error { return rdb.SAdd(ctx, key, "a").Err() },
		"words": func(rdb *redis.Client, key string, _ int64) error { return rdb.RPush(ctx, key, "a", "b", "c").Err() },
		"huge": func(rdb *redis.Client, key string, _ int64) error {
			return rdb.RPush(ctx, key, strings.Repeat("9", 40)).Err()
		},
		"signed":     func(rdb *redis.Client, key string, now int64) error { return rdb.RPush(ctx, key, -now).Err() },
		"word amid":  func(rdb *redis.Client, key string, now int64) error { return rdb.RPush(ctx, key, now, "x", now).Err() },
		"disordered": func(rdb *redis.Client, key string, now int64) error { return rdb.RPush(ctx, key, now, now-1000).Err() },
	} {
		t.Run(name, func(t *testing.T) {
			rdb := newRedis(t)
			key := testKey(t)
			require.NoError(t, plant(rdb, key+":limit", redisNow(t, rdb)))
			var log logs
			l := redisx.NewLimiter(rdb, key, rl, redisx.WithLogger(log.logger()))
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			require.NoError(t, l.Wait(wctx))
			require.NoError(t, l.Wait(wctx))
			assert.Equal(t, iotapi.LimiterStats{Granted: 2}, l.Stats(), "through Redis, at once")
			assert.Contains(t, log.String(), "repaired the rate-limit log")
			assert.NotContains(t, log.String(), "unreachable")
			kind, err := rdb.Type(ctx, key+":limit").Result()
			require.NoError(t, err)
			assert.Equal(t, "list", kind)
			n, err := rdb.LLen(ctx, key+":limit").Result()
			require.NoError(t, err)
			assert.LessOrEqual(t, n, int64(3), "the planted entries are gone")
		})
	}
}

// TestLimiter_MomentsAfterNow: a log whose moments were given out later
// than Redis's clock says it is now (a snapshot restored from a Redis
// whose clock was an hour ahead, a failover to a replica an hour behind)
// is moved back by as much: calls wait no longer than the limit asks,
// where they waited an hour (or failed at once with a deadline), and the
// log keeps its shape: the two moments count as just given out.
func TestLimiter_MomentsAfterNow(t *testing.T) {
	rl := iotapi.RateLimit{Requests: 2, Per: 300 * time.Millisecond}
	hour := time.Hour.Microseconds()
	for name, entries := range map[string]func(now int64) []any{
		"let go at once": func(now int64) []any { return []any{now + hour, now + hour} },
		"after a wait": func(now int64) []any {
			return []any{now + hour, fmt.Sprintf("%d-%d", now+hour+200_000, 200_000)}
		},
	} {
		t.Run(name, func(t *testing.T) {
			rdb := newRedis(t)
			key := testKey(t)
			now := redisNow(t, rdb)
			require.NoError(t, rdb.RPush(context.Background(), key+":limit", entries(now)...).Err())
			var log logs
			l := redisx.NewLimiter(rdb, key, rl, redisx.WithLogger(log.logger()))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			require.NoError(t, l.Wait(ctx))
			waited := time.Since(start)
			st := l.Stats()
			assert.Equal(t, int64(1), st.Delayed, "the window is full: the call waits")
			assert.LessOrEqual(t, st.Delay, windows(rl, 1), "for the window, not the hour")
			assert.Less(t, waited, 5*time.Second)
			assert.Contains(t, log.String(), "moved back")

			moments, err := rdb.LRange(context.Background(), key+":limit", 0, -1).Result()
			require.NoError(t, err)
			require.Len(t, moments, 3)
			after := redisNow(t, rdb) + windows(rl, 1).Microseconds()
			for _, m := range moments {
				us, err := strconv.ParseInt(strings.SplitN(m, "-", 2)[0], 10, 64)
				require.NoError(t, err)
				assert.Less(t, us, after, "no moment left an hour ahead")
			}
		})
	}
}

// Waiters queued far ahead are the log's own: it is not repaired, and
// the calls keep their pace.
func TestLimiter_QueueAheadIsNotRepaired(t *testing.T) {
	rl := iotapi.RateLimit{Requests: 1, Per: 100 * time.Millisecond}
	key := testKey(t)
	var log logs
	a := redisx.NewLimiter(newRedis(t), key, rl, redisx.WithLogger(log.logger()))
	b := redisx.NewLimiter(newRedis(t), key, rl, redisx.WithLogger(log.logger()))
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := a
			if i%2 == 1 {
				l = b
			}
			assert.NoError(t, l.Wait(context.Background()))
		}()
	}
	wg.Wait()
	assert.GreaterOrEqual(t, time.Since(start), 5*rl.Per, "one call per window")
	assert.Empty(t, log.String(), "nothing to repair")
}

// tokenJSON is a token as a replica stores it.
func tokenJSON(t *testing.T, access string, expiry time.Time) []byte {
	t.Helper()
	raw, err := json.Marshal(&oauth2.Token{AccessToken: access, TokenType: "Bearer", Expiry: expiry})
	require.NoError(t, err)
	return raw
}

// counted is a token fetch that counts its calls.
type counted struct{ n atomic.Int64 }

func (c *counted) fetch(context.Context) (*oauth2.Token, error) {
	n := c.n.Add(1)
	return &oauth2.Token{AccessToken: fmt.Sprintf("fresh-%d", n), Expiry: time.Now().Add(time.Hour)}, nil
}

// TestTokenCache_RepairsWhatItDidNotWrite: whatever is under the token's
// key that is not a usable token (another type, unreadable, expired with
// no TTL as a restored snapshot may leave it), one replica fetches a new
// token and stores it in its place, and a second replica uses it.
func TestTokenCache_RepairsWhatItDidNotWrite(t *testing.T) {
	ctx := context.Background()
	for name, plant := range map[string]func(rdb *redis.Client, key string) error{
		"hash":       func(rdb *redis.Client, key string) error { return rdb.HSet(ctx, key, "a", "b").Err() },
		"list":       func(rdb *redis.Client, key string) error { return rdb.RPush(ctx, key, "a").Err() },
		"unreadable": func(rdb *redis.Client, key string) error { return rdb.Set(ctx, key, "{not json", 0).Err() },
		"no access token": func(rdb *redis.Client, key string) error {
			return rdb.Set(ctx, key, `{"token_type":"Bearer"}`, 0).Err()
		},
		"expired, no TTL": func(rdb *redis.Client, key string) error {
			return rdb.Set(ctx, key, tokenJSON(t, "old", time.Now().Add(-time.Hour)), 0).Err()
		},
	} {
		t.Run(name, func(t *testing.T) {
			rdb := newRedis(t)
			key := testKey(t)
			require.NoError(t, plant(rdb, key+":token"))
			var log logs
			var f counted
			for _, replica := range []*redisx.TokenCache{
				redisx.NewTokenCache(newRedis(t), key, redisx.WithLogger(log.logger())),
				redisx.NewTokenCache(newRedis(t), key, redisx.WithLogger(log.logger())),
			} {
				tok, err := replica.Token(ctx, "", f.fetch)
				require.NoError(t, err)
				assert.Equal(t, "fresh-1", tok.AccessToken)
			}
			assert.Equal(t, int64(1), f.n.Load(), "one fetch, shared")
			assert.NotContains(t, log.String(), "unreachable")
			ttl, err := rdb.PTTL(ctx, key+":token").Result()
			require.NoError(t, err)
			assert.InDelta(t, time.Hour, ttl, float64(time.Minute), "stored with the token's lifetime")
		})
	}
}

// TestTokenCache_StuckLock: a lock that would hold the other replicas up
// longer than the lock TTL (no expiry, as a snapshot restored without its
// TTL leaves it; a longer expiry; another type) holds them up at most
// the lock TTL: the waiting replica then refreshes.
func TestTokenCache_StuckLock(t *testing.T) {
	ctx := context.Background()
	const lockTTL = 300 * time.Millisecond
	for name, c := range map[string]struct {
		plant func(rdb *redis.Client, key string) error
		found string
	}{
		"no expiry": {func(rdb *redis.Client, key string) error { return rdb.Set(ctx, key, "restored", 0).Err() }, "no expiry"},
		"a day":     {func(rdb *redis.Client, key string) error { return rdb.Set(ctx, key, "other", 24*time.Hour).Err() }, "a lock expiring in"},
		"a hash":    {func(rdb *redis.Client, key string) error { return rdb.HSet(ctx, key, "a", "b").Err() }, "a hash"},
		"a hash, a day": {func(rdb *redis.Client, key string) error {
			if err := rdb.HSet(ctx, key, "a", "b").Err(); err != nil {
				return err
			}
			return rdb.Expire(ctx, key, 24*time.Hour).Err()
		}, "a hash"},
	} {
		t.Run(name, func(t *testing.T) {
			rdb := newRedis(t)
			key := testKey(t)
			require.NoError(t, c.plant(rdb, key+":token:lock"))
			var log logs
			var f counted
			cache := redisx.NewTokenCache(newRedis(t), key, redisx.WithLockTTL(lockTTL), redisx.WithLogger(log.logger()))
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			start := time.Now()
			tok, err := cache.Token(wctx, "", f.fetch)
			took := time.Since(start)
			require.NoError(t, err, "not held up until the context ends")
			assert.Equal(t, "fresh-1", tok.AccessToken)
			t.Logf("refreshed after %v", took.Round(time.Millisecond))
			assert.Less(t, took, 5*time.Second)
			assert.Contains(t, log.String(), c.found)
			exists, err := rdb.Exists(ctx, key+":token:lock").Result()
			require.NoError(t, err)
			assert.Zero(t, exists, "the lock was released")
		})
	}
}

// TestTokenCache_ClocksDisagree: a token's expiry is its key's time to
// live in Redis, not the expiry written by the replica that fetched it,
// whose clock may be hours off this one's.
func TestTokenCache_ClocksDisagree(t *testing.T) {
	ctx := context.Background()
	for name, c := range map[string]struct {
		written time.Time     // the expiry in the token, by the writer's clock
		ttl     time.Duration // its key's TTL in Redis
		fetch   bool
	}{
		"writer two hours behind": {written: time.Now().Add(-time.Hour), ttl: time.Hour, fetch: false},
		"writer two hours ahead":  {written: time.Now().Add(2 * time.Hour), ttl: 10 * time.Second, fetch: true},
	} {
		t.Run(name, func(t *testing.T) {
			rdb := newRedis(t)
			key := testKey(t)
			require.NoError(t, rdb.Set(ctx, key+":token", tokenJSON(t, "shared", c.written), c.ttl).Err())
			var f counted
			tok, err := redisx.NewTokenCache(newRedis(t), key).Token(ctx, "", f.fetch)
			require.NoError(t, err)
			if c.fetch {
				assert.Equal(t, "fresh-1", tok.AccessToken, "replaced a margin before Redis expires it")
			} else {
				assert.Equal(t, "shared", tok.AccessToken, "used while Redis keeps it")
				assert.InDelta(t, float64(time.Hour), float64(time.Until(tok.Expiry)), float64(time.Minute),
					"expires with its key, by this replica's clock")
			}
		})
	}
}
