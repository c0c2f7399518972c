package iotapitest

import (
	"sync"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/testhook"
)

// Waits records the waits a client plans before its retries, instead of
// sleeping them, so that a test of how code handles a retried call runs in
// milliseconds however long the vendor asks to wait (DT: at least 10 s
// after a 504), and can assert the plan. Everything else about the client
// is as in production: the same rules, the same order, a wait that would
// outlast the request's deadline still refused.
//
// The zero Waits is ready to use; it is safe for concurrent use.
type Waits struct {
	mu      sync.Mutex
	planned []time.Duration
}

// Record returns the client option that makes a client record its waits
// in w. It exists only here, in a test package, so that production code
// cannot turn waits off by accident.
func (w *Waits) Record() iotapi.Option {
	return testhook.RecordWaits(w.record).(iotapi.Option)
}

func (w *Waits) record(d time.Duration) {
	w.mu.Lock()
	w.planned = append(w.planned, d)
	w.mu.Unlock()
}

// Planned returns the waits planned so far, in order.
func (w *Waits) Planned() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.planned...)
}
