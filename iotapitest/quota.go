package iotapitest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Quota is a fake vendor rate limit: a handler that lets at most Requests
// calls through to the next handler in any window of length Per (a
// sliding log, the strictest reading of "N requests per window"), and
// answers the rest with a 429 response. It counts both, for tests that
// measure pacing. It is safe for concurrent use.
type Quota struct {
	requests int
	per      time.Duration
	next     http.Handler
	reject   Response

	mu          sync.Mutex
	accepted    []time.Time
	first, last time.Time
	ok, limited int
}

// NewQuota returns a Quota of requests per window in front of next; over
// the quota it answers reject with a Retry-After of the time until a call
// would be let through, in whole seconds (at least 1).
func NewQuota(requests int, per time.Duration, next http.Handler, reject Response) *Quota {
	return &Quota{requests: requests, per: per, next: next, reject: reject}
}

// ServeHTTP lets the call through or answers 429.
func (q *Quota) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	q.mu.Lock()
	i := 0
	for i < len(q.accepted) && now.Sub(q.accepted[i]) >= q.per {
		i++
	}
	q.accepted = q.accepted[i:]
	allowed := len(q.accepted) < q.requests
	var wait time.Duration
	if allowed {
		q.accepted = append(q.accepted, now)
		if q.first.IsZero() {
			q.first = now
		}
		q.last = now
		q.ok++
	} else {
		q.limited++
		wait = q.per - now.Sub(q.accepted[0])
	}
	q.mu.Unlock()
	if !allowed {
		secs := max(1, int((wait+time.Second-1)/time.Second))
		q.reject.WithHeader("Retry-After", strconv.Itoa(secs)).ServeHTTP(w, r)
		return
	}
	q.next.ServeHTTP(w, r)
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
