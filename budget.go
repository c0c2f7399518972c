package iotapi

import "sync/atomic"

// budget is the client-wide retry token bucket, after the AWS SDK's retry
// quota and gRPC's retry throttling: retries spend tokens, successes earn
// them back, and when the bucket is empty calls are tried once. It is safe
// for concurrent use and lock-free.
type budget struct {
	capacity int64
	tokens   atomic.Int64
}

func newBudget(capacity int) *budget {
	if capacity <= 0 {
		return nil
	}
	b := &budget{capacity: int64(capacity)}
	b.tokens.Store(int64(capacity))
	return b
}

// acquire takes cost tokens for a retry, or reports false if there are not
// enough. A nil budget always allows.
func (b *budget) acquire(cost int64) bool {
	if b == nil {
		return true
	}
	for {
		t := b.tokens.Load()
		if t < cost {
			return false
		}
		if b.tokens.CompareAndSwap(t, t-cost) {
			return true
		}
	}
}

// release returns n tokens, up to the capacity: 1 for a first-try success,
// a retry's cost when that retry succeeded.
func (b *budget) release(n int64) {
	if b == nil {
		return
	}
	for {
		t := b.tokens.Load()
		if t >= b.capacity {
			return // the common case on a healthy vendor: no write
		}
		if b.tokens.CompareAndSwap(t, min(t+n, b.capacity)) {
			return
		}
	}
}
