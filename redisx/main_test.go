package redisx_test

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/iotapi/iotapi/redisx"
	"github.com/iotapi/iotapi/redisx/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// TestMain provides a real Redis (see redistest.Main).
func TestMain(m *testing.M) { redistest.Main(m) }

// newRedis returns a client of its own (as a replica would have) on the
// test Redis.
func newRedis(t *testing.T) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Require(t)})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// testKey returns a Redis key prefix no other test uses, so tests (and
// packages testing in parallel against the same Redis) never see each
// other's limits or tokens.
func testKey(t *testing.T) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return redisx.AccountKey("test", t.Name()+"-"+hex.EncodeToString(b[:]))
}
