package redisx

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/redis/go-redis/v9"
)

// Defaults of the Limiter.
const (
	// DefaultCallTimeout bounds each Redis call a Limiter makes, so a slow
	// Redis delays a request by at most this much before the fallback.
	DefaultCallTimeout = 100 * time.Millisecond
	// DefaultRetryRedisAfter is how long a Limiter paces with its fallback
	// after a Redis failure before it tries Redis again.
	DefaultRetryRedisAfter = 5 * time.Second
)

// Limiter is a rate limiter shared through Redis by every process that
// uses the same key: one vendor quota for many replicas. It keeps the same
// promise as iotapi.RateLimit.NewLimiter, for all the replicas together:
// no window of the limit's length, stretched by its jitter allowance, holds
// more than Requests calls (nor a burst window more than Burst), and calls
// go at once while the windows have room, so a burst of up to Requests
// calls after a quiet window does not wait at all.
//
// The log of the moments given out is a Redis list per key, in
// microseconds of Redis's own clock (the TIME command), so replicas whose
// clocks disagree still share one timeline. One Lua script (EVALSHA, with
// EVAL when Redis does not have it yet) forgets the moments that no longer
// count and gives each caller the first moment the windows allow, now or
// later. The callers of one Limiter that wait together queue in the
// process and one of them asks for the whole queue's moments in one
// script call: a call costs one Redis round trip when it waits alone, a
// share of one when many wait, however many they are. A call whose
// context ends before its moment gives the moment back with the next
// script call; a call whose moment would come after its context's
// deadline fails at once with an error that matches
// context.DeadlineExceeded. The list holds one entry of about 10 bytes
// per call let go in the last window or waiting.
//
// When Redis cannot be reached it degrades safely: it logs a warning and
// paces with a local limiter (by default RateLimit.NewLimiter) for
// DefaultRetryRedisAfter, then tries Redis again. Each Redis call is
// bounded by DefaultCallTimeout, so a slow or dead Redis delays a call by
// at most that, and never fails one. It is safe for concurrent use.
type Limiter struct {
	rdb   redis.UniversalClient
	key   string
	limit []any // the script's first arguments
	opts  options
	down  outage

	mu     sync.Mutex
	queue  []*waiter // waiting for a moment, in order
	asking bool      // one of them is asking Redis
	given  []string  // moments given back, for the next script call

	granted, delayed, refused atomic.Int64
	delay                     atomic.Int64 // nanoseconds
}

// An Option configures a Limiter or a TokenCache.
type Option func(*options)

type options struct {
	logger          *slog.Logger
	fallback        iotapi.Limiter
	callTimeout     time.Duration
	retryRedisAfter time.Duration
	margin          time.Duration
	lockTTL         time.Duration
	poll            time.Duration
}

// WithLogger sets where warnings about Redis go (default, and for nil,
// slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithFallback sets the limiter a Limiter uses while Redis is unreachable
// (default: the RateLimit's local limiter, as if this were the only
// replica).
func WithFallback(l iotapi.Limiter) Option { return func(o *options) { o.fallback = l } }

// WithCallTimeout bounds each Redis call (default DefaultCallTimeout for
// the Limiter, a quarter of the lock's TTL for the TokenCache).
func WithCallTimeout(d time.Duration) Option { return func(o *options) { o.callTimeout = d } }

// WithRetryRedisAfter sets how long to do without Redis after a failure
// (default DefaultRetryRedisAfter).
func WithRetryRedisAfter(d time.Duration) Option { return func(o *options) { o.retryRedisAfter = d } }

func newOptions(opts []Option) options {
	o := options{logger: slog.Default(), retryRedisAfter: DefaultRetryRedisAfter,
		margin: iotapi.DefaultTokenMargin, lockTTL: DefaultLockTTL, poll: DefaultPoll}
	for _, f := range opts {
		f(&o)
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	return o
}

// AccountKey is the Redis key suffix for a vendor account: every replica
// that calls vendor with account must use the same key.
func AccountKey(vendor, account string) string { return "iotapi:" + vendor + ":" + account }

// NewLimiter returns a Limiter for the vendor limit rl, shared by all
// Limiters with the same key (see AccountKey) on the same Redis; it keeps
// its log under key + ":limit". A RateLimit that sets no limit (zero or
// negative Requests or Per) makes a Limiter that never waits and never
// calls Redis.
func NewLimiter(rdb redis.UniversalClient, key string, rl iotapi.RateLimit, opts ...Option) *Limiter {
	o := newOptions(opts)
	if o.fallback == nil {
		o.fallback = rl.NewLimiter()
	}
	if o.callTimeout <= 0 {
		o.callTimeout = DefaultCallTimeout
	}
	l := &Limiter{rdb: rdb, key: key + ":limit", opts: o}
	if rl.Requests > 0 && rl.Per > 0 {
		l.limit = []any{rl.Requests, window(rl), 0, 0}
		if b := rl.BurstLimit(); b.Requests > 0 {
			l.limit[2], l.limit[3] = b.Requests, window(b)
		}
	}
	return l
}

// forever, in microseconds (about 142 years), is a window that never
// ends; the script never forgets its moments.
const forever = 1 << 52

// window returns the length of rl's window plus its jitter allowance, in
// microseconds rounded up, at most forever.
func window(rl iotapi.RateLimit) int64 {
	us := func(d time.Duration) int64 { return int64((d + time.Microsecond - 1) / time.Microsecond) }
	if rl.Per >= math.MaxInt64-time.Microsecond {
		return forever
	}
	return min(forever, us(rl.Per)+us(rl.JitterAllowance()))
}

// Bounds on one script call.
const (
	maxBatch = 256  // waiters served by one call
	maxGiven = 1024 // moments given back and not yet removed; older ones stay in the log
)

//go:embed limiter.lua
var script string

var paceScript = redis.NewScript(script)

// A waiter is one Wait call in the queue.
type waiter struct {
	deadline time.Time // zero for none
	turn     chan turn // at most one turn, sent under Limiter.mu
	state    state     // under Limiter.mu
}

type state int

const (
	queued   state = iota // in the queue
	leading               // in the queue, at its head, told to ask
	asked                 // in a script call
	answered              // its turn has been sent
	gone                  // its Wait returned during the script call
)

// A turn is what a waiter is told.
type turn struct {
	kind   turnKind
	at     time.Time // go then (moment)
	moment string    // the moment in the log (moment)
	wait   time.Duration
}

type turnKind int

const (
	lead     turnKind = iota // ask Redis for the queue
	moment                   // go at the moment given
	tooLate                  // the moment would come after the deadline; wait < 0: never
	fallback                 // Redis failed: pace with the fallback
)

// Stats returns what l has done: how many calls it let go, how many of
// them waited and for how long, how many it refused. Calls paced by the
// fallback count in the fallback's own figures.
func (l *Limiter) Stats() iotapi.LimiterStats {
	return iotapi.LimiterStats{Granted: l.granted.Load(), Delayed: l.delayed.Load(),
		Delay: time.Duration(l.delay.Load()), Refused: l.refused.Load()}
}

// Wait blocks until a request may be sent by the shared limit, or ctx
// ends. When the call's moment would come after ctx's deadline, it returns
// at once an error that matches context.DeadlineExceeded.
func (l *Limiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		l.refused.Add(1)
		return err
	}
	if l.limit == nil {
		l.granted.Add(1)
		return nil
	}
	if l.down.active() {
		return l.opts.fallback.Wait(ctx)
	}
	w := &waiter{turn: make(chan turn, 1)}
	w.deadline, _ = ctx.Deadline()
	l.mu.Lock()
	l.queue = append(l.queue, w)
	first := !l.asking
	if first {
		l.asking, w.state = true, leading
	}
	l.mu.Unlock()
	if first {
		l.ask(ctx, w)
	}
	for {
		select {
		case t := <-w.turn:
			switch t.kind {
			case lead:
				l.ask(ctx, w)
			case moment:
				return l.sleep(ctx, t)
			case tooLate:
				l.refused.Add(1)
				if t.wait < 0 && w.deadline.IsZero() {
					<-ctx.Done() // no moment will ever come
					return ctx.Err()
				}
				return pastDeadline(t.wait)
			case fallback:
				return l.opts.fallback.Wait(ctx)
			}
		case <-ctx.Done():
			l.leave(w)
			l.refused.Add(1)
			return ctx.Err()
		}
	}
}

// pastDeadline is Wait's error when the next moment comes after the
// context's deadline (never, for wait < 0).
func pastDeadline(wait time.Duration) error {
	if wait < 0 {
		return fmt.Errorf("redisx: rate limit: no call may go in the limit's window: %w", context.DeadlineExceeded)
	}
	return fmt.Errorf("redisx: rate limit: the next call may go in %v, after the context's deadline: %w",
		wait.Round(time.Millisecond), context.DeadlineExceeded)
}

// sleep waits for the moment of t, or gives it back if ctx ends first.
func (l *Limiter) sleep(ctx context.Context, t turn) error {
	d := time.Until(t.at)
	if d <= 0 {
		l.granted.Add(1)
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		l.granted.Add(1)
		l.delayed.Add(1)
		l.delay.Add(int64(t.wait))
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		l.giveBack(t.moment)
		l.mu.Unlock()
		l.refused.Add(1)
		return ctx.Err()
	}
}

// leave takes w, whose context ended, out of the queue.
func (l *Limiter) leave(w *waiter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch w.state {
	case queued, leading:
		l.queue = slices.DeleteFunc(l.queue, func(q *waiter) bool { return q == w })
		if w.state == leading {
			<-w.turn // the lead, passed on
			l.passLead()
		}
	case asked:
		w.state = gone // the script call gives its moment back
	case answered:
		if t := <-w.turn; t.kind == moment {
			l.giveBack(t.moment)
		}
	}
}

// ask asks Redis for the moments of the waiters at the head of the
// queue, w (the asker) among them, tells each its turn, and passes the
// lead on to the next waiter in the queue.
func (l *Limiter) ask(ctx context.Context, asker *waiter) {
	l.mu.Lock()
	if l.down.active() { // Redis failed while these waited
		l.answerAll(l.queue, turn{kind: fallback})
		l.queue, l.asking = nil, false
		l.mu.Unlock()
		return
	}
	n := min(len(l.queue), maxBatch)
	batch := slices.Clone(l.queue[:n])
	l.queue = slices.Delete(l.queue, 0, n)
	for _, w := range batch {
		w.state = asked
	}
	args := append(slices.Clip(l.limit), len(l.given))
	for _, g := range l.given {
		args = append(args, g)
	}
	l.given = l.given[:0]
	l.mu.Unlock()

	now := time.Now()
	for _, w := range batch {
		maxWait := int64(-1)
		if !w.deadline.IsZero() {
			maxWait = max(0, int64(w.deadline.Sub(now)/time.Microsecond))
		}
		args = append(args, maxWait)
	}
	cctx, cancel := context.WithTimeout(ctx, l.opts.callTimeout)
	res, err := paceScript.Run(cctx, l.rdb, []string{l.key}, args...).Slice()
	cancel()
	received := time.Now()
	if err == nil && len(res) != len(batch) {
		err = fmt.Errorf("redisx: the limiter script answered %d moments for %d waiters", len(res), len(batch))
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.passLead()
	switch {
	case err != nil && ctx.Err() != nil:
		// The asker's own wait ended. The moments the call may have given
		// out stay in the log, unused (which is safe); the others ask again.
		asker.state = gone
		batch = slices.DeleteFunc(batch, func(w *waiter) bool { return w.state == gone })
		for _, w := range batch {
			w.state = queued
		}
		l.queue = append(batch, l.queue...)
	case err != nil:
		if l.down.begin(l.opts.retryRedisAfter) {
			l.opts.logger.Warn("redisx: Redis unreachable; pacing with the local limiter",
				slog.String("key", l.key), slog.Duration("retry_in", l.opts.retryRedisAfter), slog.String("error", err.Error()))
		}
		l.answerAll(batch, turn{kind: fallback})
		l.answerAll(l.queue, turn{kind: fallback})
		l.queue = nil
	default:
		for i, w := range batch {
			t := parseTurn(res[i], received)
			if w.state == gone {
				if t.kind == moment {
					l.giveBack(t.moment)
				}
				continue
			}
			l.answerAll([]*waiter{w}, t)
		}
	}
}

// answerAll sends t to each waiter still waiting among ws.
func (l *Limiter) answerAll(ws []*waiter, t turn) {
	for _, w := range ws {
		if w.state != gone {
			w.state = answered
			w.turn <- t
		}
	}
}

// passLead tells the waiter at the head of the queue to ask Redis next,
// or records that no one needs to.
func (l *Limiter) passLead() {
	if len(l.queue) == 0 {
		l.asking = false
		return
	}
	l.queue[0].state = leading
	l.queue[0].turn <- turn{kind: lead}
}

// giveBack queues a moment no call will use, for the next script call to
// remove from the log.
func (l *Limiter) giveBack(m string) {
	if len(l.given) == maxGiven {
		l.given = slices.Delete(l.given, 0, 1)
	}
	l.given = append(l.given, m)
}

// parseTurn reads one waiter's answer from the script: {wait, moment} in
// microseconds, the moment empty when the waiter got none (wait -1 for
// never).
func parseTurn(v any, received time.Time) turn {
	pair, _ := v.([]any)
	if len(pair) != 2 {
		return turn{kind: tooLate, wait: -1}
	}
	us, _ := pair[0].(int64)
	m, _ := pair[1].(string)
	wait := time.Duration(us) * time.Microsecond
	if us < 0 {
		wait = -1
	}
	if m == "" {
		return turn{kind: tooLate, wait: wait}
	}
	return turn{kind: moment, at: received.Add(wait), moment: m, wait: wait}
}

var _ iotapi.Limiter = (*Limiter)(nil)
