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
	"github.com/iotapi/iotapi/internal/sleep"
	"github.com/redis/go-redis/v9"
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
// per call let go in the last window or waiting (about 18 for a call that
// waited: its entry also says how long, so the script can tell when Redis's
// clock went back).
//
// State it did not write is repaired, not obeyed: another type under its
// key, or a list of something other than moments, is dropped; moments
// given out later than Redis's clock says it is now (a snapshot restored
// from a Redis whose clock was ahead, a failover to a replica whose clock
// is behind) are all moved back by as much. Either is logged as a warning.
//
// When Redis cannot be reached it degrades safely: it logs a warning and
// paces with a local limiter (by default RateLimit.NewLimiter) for
// DefaultRetryRedisAfter, then tries Redis again. Each Redis call ends
// within the call timeout (DefaultCallTimeout), or the end of the caller's
// context when that comes first, whatever the client's options: a slow,
// silent or dead Redis delays a call by at most that, and never fails
// one. It is safe for concurrent use.
type Limiter struct {
	redis *redisCalls
	key   string
	limit []any // the script's first arguments
	cfg   limiterConfig
	down  outage

	mu     sync.Mutex
	queue  []*waiter // waiting for a moment, in order
	asking bool      // one of them is asking Redis
	given  []string  // moments given back, for the next script call

	granted, delayed, refused atomic.Int64
	delay                     atomic.Int64 // nanoseconds
}

// AccountKey is the Redis key suffix for a vendor account: every replica
// that calls vendor with account must use the same key.
func AccountKey(vendor, account string) string { return "iotapi:" + vendor + ":" + account }

// NewLimiter returns a Limiter for the vendor limit rl, shared by all
// Limiters with the same key (see AccountKey) on the same Redis; it keeps
// its log under key + ":limit". A RateLimit that sets no limit (zero or
// negative Requests or Per) makes a Limiter that never waits and never
// calls Redis.
func NewLimiter(rdb redis.UniversalClient, key string, rl iotapi.RateLimit, opts ...LimiterOption) *Limiter {
	cfg := newLimiterConfig(rl, opts)
	l := &Limiter{redis: &redisCalls{rdb: rdb, timeout: cfg.callTimeout}, key: key + ":limit", cfg: cfg}
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
		return l.cfg.fallback.Wait(ctx)
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
				return l.await(ctx, t)
			case tooLate:
				l.refused.Add(1)
				if t.wait < 0 && w.deadline.IsZero() {
					<-ctx.Done() // no moment will ever come
					return ctx.Err()
				}
				return pastDeadline(t.wait)
			case fallback:
				return l.cfg.fallback.Wait(ctx)
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

// await waits for the moment of t, or gives it back if ctx ends first.
func (l *Limiter) await(ctx context.Context, t turn) error {
	d := time.Until(t.at)
	if d <= 0 {
		l.granted.Add(1)
		return nil
	}
	if err := sleep.For(ctx, d); err != nil {
		l.mu.Lock()
		l.giveBack(t.moment)
		l.mu.Unlock()
		l.refused.Add(1)
		return err
	}
	l.granted.Add(1)
	l.delayed.Add(1)
	l.delay.Add(int64(t.wait))
	return nil
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
	res, err := bounded(ctx, l.redis, func(ctx context.Context, rdb redis.UniversalClient) (any, error) {
		return paceScript.Run(ctx, rdb, []string{l.key}, args...).Result()
	})
	received := time.Now()
	var turns []turn
	var note string
	if err == nil {
		note, turns, err = parseAnswer(res, len(batch), received)
	}
	if note != "" {
		l.cfg.logger.Warn("redisx: repaired the rate-limit log in Redis", slog.String("key", l.key), slog.String("found", note))
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
		if l.down.begin(l.cfg.retryRedisAfter) {
			l.cfg.logger.Warn("redisx: Redis unreachable; pacing with the local limiter",
				slog.String("key", l.key), slog.Duration("retry_in", l.cfg.retryRedisAfter), slog.String("error", err.Error()))
		}
		l.answerAll(batch, turn{kind: fallback})
		l.answerAll(l.queue, turn{kind: fallback})
		l.queue = nil
	default:
		for i, w := range batch {
			t := turns[i]
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

// parseAnswer reads the script's answer for n waiters: a note on what it
// repaired in the log ("" for nothing), and each waiter's turn.
func parseAnswer(res any, n int, received time.Time) (note string, turns []turn, err error) {
	answer, _ := res.([]any)
	if len(answer) != 2 {
		return "", nil, badAnswer(res, n)
	}
	note, _ = answer[0].(string)
	pairs, _ := answer[1].([]any)
	if len(pairs) != n {
		return note, nil, badAnswer(res, n)
	}
	turns = make([]turn, n)
	for i, p := range pairs {
		t, ok := parseTurn(p, received)
		if !ok {
			return note, nil, badAnswer(res, n)
		}
		turns[i] = t
	}
	return note, turns, nil
}

func badAnswer(res any, n int) error {
	return fmt.Errorf("redisx: the limiter script answered %.200v for %d waiters", res, n)
}

// parseTurn reads one waiter's answer from the script: {wait, moment} in
// microseconds, the moment empty when the waiter got none (wait -1 for
// never).
func parseTurn(v any, received time.Time) (turn, bool) {
	pair, _ := v.([]any)
	if len(pair) != 2 {
		return turn{}, false
	}
	us, ok1 := pair[0].(int64)
	m, ok2 := pair[1].(string)
	if !ok1 || !ok2 || us < -1 {
		return turn{}, false
	}
	wait := time.Duration(min(us, math.MaxInt64/int64(time.Microsecond))) * time.Microsecond
	if us < 0 {
		wait = -1
	}
	if m == "" {
		return turn{kind: tooLate, wait: wait}, true
	}
	return turn{kind: moment, at: received.Add(wait), moment: m, wait: wait}, true
}

var _ iotapi.Limiter = (*Limiter)(nil)
