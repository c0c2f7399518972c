package redisx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi/redisx/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// A lock this replica took in a call it gave up on (Redis answered after
// the call timeout) is its own: the next refresh takes it at once instead
// of waiting the lock TTL out.
func TestTokenCache_OwnLockIsTaken(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Require(t)})
	defer rdb.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	c := NewTokenCache(rdb, AccountKey("test", "own-lock-"+hex.EncodeToString(b[:])))
	require.NoError(t, rdb.Set(context.Background(), c.lockKey, c.owner, time.Hour).Err())

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var fetches atomic.Int64
	tok, err := c.Token(ctx, "", func(context.Context) (*oauth2.Token, error) {
		fetches.Add(1)
		return &oauth2.Token{AccessToken: "fresh", Expiry: time.Now().Add(time.Hour)}, nil
	})
	require.NoError(t, err, "not held up by its own lock")
	assert.Equal(t, "fresh", tok.AccessToken)
	assert.Equal(t, int64(1), fetches.Load())
	n, err := rdb.Exists(context.Background(), c.lockKey).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "released")
}
