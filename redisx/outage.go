package redisx

import (
	"sync"
	"time"
)

// outage remembers that Redis failed, so that callers use their fallback
// for a while instead of waiting on a dead Redis every time, and so that
// each outage is logged once. The zero value is ready; it is safe for
// concurrent use.
type outage struct {
	mu    sync.Mutex
	until time.Time
}

// active reports whether Redis is being skipped now.
func (o *outage) active() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Now().Before(o.until)
}

// begin skips Redis for d from now. It reports whether this starts a new
// outage (Redis was not being skipped), for the caller to log it once.
func (o *outage) begin(d time.Duration) (started bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	if now.Before(o.until) {
		return false
	}
	o.until = now.Add(d)
	return true
}
