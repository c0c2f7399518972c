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
// Each Redis call is bounded (100 ms). When Redis cannot be reached, the
// calls fail and each replica's breaker decides alone, after one warning
// (see iotapi.BreakerSettings); it asks Redis again after a few seconds.
// It is safe for concurrent use.
type BreakerStore struct {
	rdb   redis.UniversalClient
	owner string // this store's value in the locks and leases it takes

	mu    sync.Mutex
	local map[string]*sync.Mutex // one holder of a lock per process
}

// Bounds of the BreakerStore's Redis calls and locks.
const (
	breakerCallTimeout = 100 * time.Millisecond
	breakerLockTTL     = 2 * time.Second // a lock outlives a dead holder this long at most
	breakerLockWait    = time.Second     // how long Lock waits for another replica's lock
	breakerStateTTL    = 24 * time.Hour  // state no one has touched for this long is dropped
)

// NewBreakerStore returns a BreakerStore on rdb.
func NewBreakerStore(rdb redis.UniversalClient) *BreakerStore {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return &BreakerStore{rdb: rdb, owner: hex.EncodeToString(b[:]), local: map[string]*sync.Mutex{}}
}

var _ iotapi.BreakerStore = (*BreakerStore)(nil)

func call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), breakerCallTimeout)
}

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
		ctx, cancel := call()
		ok, err := s.rdb.SetNX(ctx, name, s.owner, breakerLockTTL).Result()
		cancel()
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

// unlockScript deletes a lock or lease only if this store holds it.
var unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// Unlock gives back the lock called name.
func (s *BreakerStore) Unlock(name string) error {
	s.mu.Lock()
	m := s.local[name]
	s.mu.Unlock()
	ctx, cancel := call()
	defer cancel()
	err := unlockScript.Run(ctx, s.rdb, []string{name}, s.owner).Err()
	if m != nil {
		m.Unlock()
	}
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	return err
}

// GetData returns the data stored under name, or none.
func (s *BreakerStore) GetData(name string) ([]byte, error) {
	ctx, cancel := call()
	defer cancel()
	data, err := s.rdb.Get(ctx, name).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return data, err
}

// SetData stores data under name, for a day after its last change.
func (s *BreakerStore) SetData(name string, data []byte) error {
	ctx, cancel := call()
	defer cancel()
	return s.rdb.Set(ctx, name, data, breakerStateTTL).Err()
}

// TryLease takes the lease called name for ttl if no one holds it.
func (s *BreakerStore) TryLease(name string, ttl time.Duration) (bool, error) {
	ctx, cancel := call()
	defer cancel()
	return s.rdb.SetNX(ctx, name, s.owner, max(ttl, time.Millisecond)).Result()
}

// ReleaseLease gives back a lease this store took.
func (s *BreakerStore) ReleaseLease(name string) error {
	ctx, cancel := call()
	defer cancel()
	err := unlockScript.Run(ctx, s.rdb, []string{name}, s.owner).Err()
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	return err
}
