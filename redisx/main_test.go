package redisx_test

import (
	"context"
	"testing"

	"github.com/iotapi/iotapi/redisx/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// TestMain provides a real Redis (see redistest.Main).
func TestMain(m *testing.M) { redistest.Main(m) }

// newRedis returns a client of its own (as a replica would have) on the
// test Redis, or skips.
func newRedis(t *testing.T) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Require(t)})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// flush empties the test database.
func flush(t *testing.T) {
	t.Helper()
	if err := newRedis(t).FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}
