package iotapi

import "sync/atomic"

// budget is the client-wide retry token bucket, after the AWS SDK's retry
// quota and gRPC's retry throttling: retries spend tokens, successes earn
// them back, and when the bucket is empty calls are tried once. It is safe
// for concurrent use and lock-free. A nil budget allows every retry.
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

// take spends cost tokens on a retry. It returns what the retry holds, to
// be given back with refund if the retry succeeds, or reports false when
// the budget cannot pay.
func (b *budget) take(cost int64) (held int64, ok bool) {
	if b == nil {
		return 0, true
	}
	for {
		t := b.tokens.Load()
		if t < cost {
			return 0, false
		}
		if b.tokens.CompareAndSwap(t, t-cost) {
			return cost, true
		}
	}
}

// refund settles a success: the retry that succeeded gives back what it
// held; a success without a retry (held 0) earns one token. The bucket
// never exceeds its capacity.
func (b *budget) refund(held int64) {
	if b == nil {
		return
	}
	n := max(held, 1)
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
