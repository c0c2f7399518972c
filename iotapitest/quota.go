package iotapitest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Quota is a fake vendor rate limit: a handler that passes calls to the
// next handler while the vendor's rule allows them and answers the rest
// with a 429 response. Three rules are modelled, each as strictly as its
// usual wording allows:
//
//   - NewQuota: at most Requests calls in any window of length Per, a
//     sliding log ("60 requests per 60-second sliding window"; the
//     strictest reading of any "N requests per window");
//   - NewFixedWindowQuota: at most Requests calls in each window of the
//     clock (the minute from :00 to :59, ...), counted afresh in each;
//   - NewTokenBucketQuota: a bucket of Burst tokens refilled at Requests
//     per Per, one token a call ("10 requests per second, burst 5").
//
// Wrap one Quota in another for a vendor that applies two rules. A Quota
// of no requests, no window or no burst answers every call 429.
//
// A Quota counts the calls it passes and the ones it answers 429, and
// measures how much of the quota the passed ones used, for tests of
// pacing. It is safe for concurrent use.
type Quota struct {
	requests int
	per      time.Duration
	next     http.Handler
	reject   Response
	rule     func(now time.Time) (ok bool, retryIn time.Duration) // under mu; takes the call when ok

	mu          sync.Mutex
	log         []time.Time // sliding log: the calls passed in the last window
	windowStart time.Time   // fixed window
	inWindow    int
	tokens      float64 // token bucket
	refilled    time.Time
	first, last time.Time
	ok, limited int
	recent      []time.Time // the last Requests calls passed, a ring
	spanSum     time.Duration
	spans       int
	tightest    time.Duration
}

// NewQuota returns a Quota that passes at most requests calls in any
// window of length per, a sliding log, to next; over the quota it answers
// reject with a Retry-After of the time until a call would pass, in whole
// seconds (at least 1).
func NewQuota(requests int, per time.Duration, next http.Handler, reject Response) *Quota {
	q := &Quota{requests: requests, per: per, next: next, reject: reject}
	q.rule = q.slidingLog
	return q
}

// NewFixedWindowQuota returns a Quota that passes at most requests calls
// in each window of length per of the clock (windows start at multiples
// of per since the zero time, as time.Truncate counts) to next, and
// answers the rest with reject, as NewQuota does.
func NewFixedWindowQuota(requests int, per time.Duration, next http.Handler, reject Response) *Quota {
	q := &Quota{requests: requests, per: per, next: next, reject: reject}
	q.rule = q.fixedWindow
	return q
}

// NewTokenBucketQuota returns a Quota that keeps a bucket of burst tokens,
// full at first and refilled at requests per per, passes a call to next
// when a whole token is left (taking it) and answers the rest with reject,
// as NewQuota does. Endpoint Manager's listing, 10 requests per second
// with a burst of 5, is NewTokenBucketQuota(10, time.Second, 5, ...).
func NewTokenBucketQuota(requests int, per time.Duration, burst int, next http.Handler, reject Response) *Quota {
	q := &Quota{requests: requests, per: per, next: next, reject: reject, tokens: float64(burst)}
	q.rule = func(now time.Time) (bool, time.Duration) { return q.tokenBucket(now, float64(burst)) }
	return q
}

func (q *Quota) slidingLog(now time.Time) (bool, time.Duration) {
	i := 0
	for i < len(q.log) && now.Sub(q.log[i]) >= q.per {
		i++
	}
	q.log = q.log[i:]
	if len(q.log) >= q.requests {
		return false, q.per - now.Sub(q.log[0])
	}
	q.log = append(q.log, now)
	return true, 0
}

func (q *Quota) fixedWindow(now time.Time) (bool, time.Duration) {
	if start := now.Truncate(q.per); !start.Equal(q.windowStart) {
		q.windowStart, q.inWindow = start, 0
	}
	if q.inWindow >= q.requests {
		return false, q.windowStart.Add(q.per).Sub(now)
	}
	q.inWindow++
	return true, 0
}

func (q *Quota) tokenBucket(now time.Time, burst float64) (bool, time.Duration) {
	perToken := float64(q.per) / float64(q.requests)
	if !q.refilled.IsZero() {
		q.tokens = math.Min(burst, q.tokens+float64(now.Sub(q.refilled))/perToken)
	}
	q.refilled = now
	if q.tokens < 1 {
		return false, time.Duration((1 - q.tokens) * perToken)
	}
	q.tokens--
	return true, 0
}

// ServeHTTP passes the call on or answers 429.
func (q *Quota) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	q.mu.Lock()
	allowed, wait := false, time.Duration(0)
	if q.requests > 0 && q.per > 0 {
		allowed, wait = q.rule(now)
	}
	if allowed {
		q.passed(now)
	} else {
		q.limited++
	}
	q.mu.Unlock()
	if !allowed {
		secs := max(1, int((wait+time.Second-1)/time.Second))
		q.reject.WithHeader("Retry-After", strconv.Itoa(secs)).ServeHTTP(w, r)
		return
	}
	q.next.ServeHTTP(w, r)
}

// passed counts a call passed at now, and the time back to the
// Requests-th call passed before it.
func (q *Quota) passed(now time.Time) {
	if q.first.IsZero() {
		q.first = now
	}
	q.last = now
	if len(q.recent) < q.requests {
		q.recent = append(q.recent, now)
	} else {
		i := q.ok % q.requests
		span := now.Sub(q.recent[i])
		q.recent[i] = now
		q.spanSum += span
		if q.spans == 0 || span < q.tightest {
			q.tightest = span
		}
		q.spans++
	}
	q.ok++
}

// Accepted returns how many calls went through.
func (q *Quota) Accepted() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.ok
}

// Limited returns how many calls were answered 429.
func (q *Quota) Limited() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.limited
}

// Rate returns the calls let through per second, between the first and the
// last of them.
func (q *Quota) Rate() float64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ok < 2 {
		return 0
	}
	return float64(q.ok-1) / q.last.Sub(q.first).Seconds()
}

// Utilization returns the share of the quota the calls let through used
// while they kept coming: Per divided by the mean time from each call let
// through back to the Requests-th call let through before it. It is 1 when
// every window of length Per held Requests calls, less when calls came
// slower, and 0 until Requests+1 calls went through. Unlike Rate, it does
// not count a first burst as a rate.
func (q *Quota) Utilization() float64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.spans == 0 {
		return 0
	}
	return float64(q.per) / (float64(q.spanSum) / float64(q.spans))
}

// Tightest returns the shortest time in which Requests+1 calls went
// through (0 until they did). Under NewQuota's rule it is never below
// Per; how far above Per it stays shows how much room a limiter left.
func (q *Quota) Tightest() time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tightest
}
