package redisx

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCalls makes the Redis calls of one Limiter or TokenCache, each
// within its bound: the call timeout, or the end of the caller's context
// when that comes first, whatever the client's options.
//
// go-redis cannot be told that bound for every client: it ignores a
// context's deadline unless the client was built with
// ContextTimeoutEnabled, and waits out its own ReadTimeout (3 s by
// default, or forever) instead; Client.WithTimeout would set the socket
// deadlines, but its copy of the client drops the hooks added to it
// (tracing, metrics), and the cluster and ring clients have no such
// method. So each call runs in a goroutine of its own, and the caller
// stops waiting for it at the bound. A call given up goes on until go-redis
// ends it: at the bound for a client with ContextTimeoutEnabled, else after
// the client's ReadTimeout and WriteTimeout (go-redis's own retries stop
// once the call's context has ended). At most maxUnanswered such calls run
// at a time; while they do, Redis counts as unreachable.
type redisCalls struct {
	rdb        redis.UniversalClient
	timeout    time.Duration
	unanswered atomic.Int32 // calls given up and still running
}

// maxUnanswered bounds the calls given up that may still be running, for
// a client that never ends them (no ReadTimeout, no ContextTimeoutEnabled)
// when Redis never answers.
const maxUnanswered = 4

// errUnanswered is a call's error when earlier calls given up are still
// running.
var errUnanswered = errors.New("redisx: earlier Redis calls are still unanswered")

// Call states, for a call and its goroutine to agree on who counts it.
const (
	callRunning int32 = iota
	callAnswered
	callGivenUp
)

// bounded runs f, one round trip to Redis, and returns what it returned if
// Redis answered within the bound. Otherwise it returns ctx's error if ctx
// ended first, else an error saying Redis did not answer in time, and f
// goes on in its goroutine, its result dropped.
func bounded[T any](ctx context.Context, c *redisCalls, f func(context.Context, redis.UniversalClient) (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if c.unanswered.Load() >= maxUnanswered {
		return zero, errUnanswered
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	state := new(atomic.Int32)
	go func() {
		v, err := f(cctx, c.rdb)
		done <- result{v, err}
		if !state.CompareAndSwap(callRunning, callAnswered) {
			c.unanswered.Add(-1)
		}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-cctx.Done():
	}
	if !state.CompareAndSwap(callRunning, callGivenUp) {
		r := <-done // answered at the bound
		return r.v, r.err
	}
	c.unanswered.Add(1)
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	return zero, fmt.Errorf("redisx: Redis did not answer within %v", c.timeout)
}
