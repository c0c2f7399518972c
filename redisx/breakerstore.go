package redisx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/redis/go-redis/v9"
)

// BreakerStore keeps an iotapi.CircuitBreaker's state in Redis, so that
// every replica's breaker for one vendor account (BreakerSettings.Name,
// an AccountKey) opens, probes and closes as one: gobreaker's distributed
// breaker keeps its state and counts under its own keys, locked while it
// updates them, and a probe lease (SET NX PX) lets one replica at a time
// probe a vendor that was down.
//
// Each Redis call ends within a second, whatever the client's options
// (see Limiter): longer than a Limiter's bound, since giving up on a
// Redis that is only slow costs more here (a replica that decides alone
// starts from a closed breaker and lets failures through until it opens
// again), while a silent Redis costs each replica that second once, not
// on every call. When Redis cannot be reached, the calls fail and each
// replica's breaker decides alone, after one warning (see
// iotapi.BreakerSettings); it asks Redis again after a few seconds. State
// it did not write is repaired, not obeyed: another type under a state's
// key counts as no state and is replaced; a lock or lease with no expiry
// (a snapshot restored without its TTL), a longer one than it takes, or of
// another type holds the replicas up no longer than one it takes would.
// It is safe for concurrent use.
type BreakerStore struct {
	redis *redisCalls
	owner string // this store's value in the locks and leases it takes

	mu    sync.Mutex
	local map[string]*sync.Mutex // one holder of a lock per process
}

// Bounds of the BreakerStore's Redis calls and locks.
const (
	breakerCallTimeout = time.Second
	breakerLockTTL     = 2 * time.Second // a lock outlives a dead holder this long at most
	breakerLockWait    = time.Second     // how long Lock waits for another replica's lock
	breakerStateTTL    = 24 * time.Hour  // state no one has touched for this long is dropped
)

// NewBreakerStore returns a BreakerStore on rdb.
func NewBreakerStore(rdb redis.UniversalClient) *BreakerStore {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return &BreakerStore{redis: &redisCalls{rdb: rdb, timeout: breakerCallTimeout},
		owner: hex.EncodeToString(b[:]), local: map[string]*sync.Mutex{}}
}

var (
	_ iotapi.BreakerStore        = (*BreakerStore)(nil)
	_ iotapi.BreakerStoreContext = (*BreakerStore)(nil)
)

// Lock takes the lock called name, waiting for it up to a second (it is
// held while the state is updated, a few Redis round trips), else returns
// iotapi.ErrBreakerBusy. When Redis
// cannot be reached it reports success: gobreaker would otherwise sleep
// 500 ms between tries for up to 5 s, and the calls that follow fail and
// leave the decision to the replica's own breaker.
func (s *BreakerStore) Lock(name string) error {
	s.mu.Lock()
	m := s.local[name]
	if m == nil {
		m = &sync.Mutex{}
		s.local[name] = m
	}
	s.mu.Unlock()
	m.Lock() // goroutines of this process take turns first

	deadline := time.Now().Add(breakerLockWait)
	for {
		ok, _, err := takeLock(context.Background(), s.redis, name, s.owner, breakerLockTTL, true)
		switch {
		case err != nil:
			return nil // unreachable: see above
		case ok:
			return nil
		case time.Now().After(deadline):
			m.Unlock()
			return iotapi.ErrBreakerBusy
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Unlock gives back the lock called name.
func (s *BreakerStore) Unlock(name string) error {
	s.mu.Lock()
	m := s.local[name]
	s.mu.Unlock()
	err := releaseLock(context.Background(), s.redis, name, s.owner)
	if m != nil {
		m.Unlock()
	}
	return err
}

// GetData returns the data stored under name, or none.
func (s *BreakerStore) GetData(name string) ([]byte, error) {
	return s.GetDataContext(context.Background(), name)
}

// GetDataContext is GetData ending when ctx ends, if that comes before
// its bound (iotapi.BreakerStoreContext): a breaker reads the state before
// each attempt with the attempt's context.
func (s *BreakerStore) GetDataContext(ctx context.Context, name string) ([]byte, error) {
	data, err := bounded(ctx, s.redis, func(ctx context.Context, rdb redis.UniversalClient) ([]byte, error) {
		return rdb.Get(ctx, name).Bytes()
	})
	switch {
	case errors.Is(err, redis.Nil):
		return nil, nil
	case redis.HasErrorPrefix(err, "WRONGTYPE"):
		return nil, nil // not a state: SetData replaces it
	}
	return data, err
}

// SetData stores data under name, for a day after its last change.
func (s *BreakerStore) SetData(name string, data []byte) error {
	_, err := bounded(context.Background(), s.redis, func(ctx context.Context, rdb redis.UniversalClient) (string, error) {
		return rdb.Set(ctx, name, data, breakerStateTTL).Result()
	})
	return err
}

// TryLease takes the lease called name for ttl if no one holds it.
func (s *BreakerStore) TryLease(name string, ttl time.Duration) (bool, error) {
	return s.TryLeaseContext(context.Background(), name, ttl)
}

// TryLeaseContext is TryLease ending when ctx ends, if that comes before
// its bound (iotapi.BreakerStoreContext).
func (s *BreakerStore) TryLeaseContext(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	ok, _, err := takeLock(ctx, s.redis, name, s.owner, ttl, false)
	return ok, err
}

// ReleaseLease gives back a lease this store took.
func (s *BreakerStore) ReleaseLease(name string) error {
	return releaseLock(context.Background(), s.redis, name, s.owner)
}
