package iotapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// ErrCircuitOpen is why a call failed at once, without a request: the
// client's circuit breaker is open because the vendor has been failing.
// The error also holds the last failure the breaker saw from the vendor,
// so errors.As yields that *APIError when there was one.
var ErrCircuitOpen = errors.New("circuit open: the vendor has been failing, so calls fail at once until a probe gets through")

// Defaults of a circuit breaker; see BreakerSettings.
const (
	DefaultBreakerFailures = 5
	DefaultBreakerCoolDown = 30 * time.Second
	DefaultBreakerProbes   = 1
)

// BreakerSettings configure a [CircuitBreaker].
type BreakerSettings struct {
	// Name names the breaker's state in Store: one breaker per vendor
	// account, named as its limiter is (redisx.AccountKey).
	Name string

	// Failures is how many attempts in a row must fail, with a 5xx, a
	// transport failure or no answer in time (the Client's Timeout or the
	// caller's deadline, passing while the vendor is asked), to open the
	// breaker (default DefaultBreakerFailures). A 4xx, a 429 and the
	// caller's own cancellation are not the vendor failing: a 4xx resets
	// the count, a 429 or a cancellation leaves it.
	Failures int

	// CoolDown is how long an open breaker fails calls at once before it
	// lets a probe through (default DefaultBreakerCoolDown).
	CoolDown time.Duration

	// Probes is how many probes in a row must succeed to close the
	// breaker again; a failed probe opens it for another cool-down
	// (default DefaultBreakerProbes). Probes go one at a time across all
	// who share the breaker.
	Probes int

	// Store shares the breaker's state between replicas
	// (redisx.NewBreakerStore); nil keeps it in this process. When the
	// store fails, each replica uses a breaker of its own until the store
	// answers again, after one warning.
	Store BreakerStore

	// Logger receives that warning (default slog.Default()).
	Logger *slog.Logger
}

// A BreakerStore keeps a circuit breaker's state where every replica sees
// it: gobreaker's SharedDataStore, on which gobreaker's
// DistributedCircuitBreaker keeps the state and its counts, and a lease
// that lets one replica at a time send a probe.
//
// gobreaker's distributed breaker sleeps 500 ms between tries when Lock
// fails, for up to 5 s, and passes no context. So Lock should wait for the
// lock briefly itself (the lock is held only while the state is
// updated), and should not fail because the store cannot be reached:
// report success, and let the call that follows fail. Each method must end
// within a short bound whatever the store's state.
type BreakerStore interface {
	gobreaker.SharedDataStore
	// TryLease takes the lease called name for ttl if no one holds it,
	// without waiting, and reports whether it did.
	TryLease(name string, ttl time.Duration) (bool, error)
	// ReleaseLease gives back a lease this store took.
	ReleaseLease(name string) error
}

// A BreakerStoreContext is a BreakerStore whose calls made before an
// attempt can end with the attempt's context: a breaker reads the shared
// state and takes the probe's lease through these methods when its store
// has them (redisx.BreakerStore does), so a slow store holds an attempt no
// longer than the caller's deadline. A call that ends because the context
// ended must return the context's error.
type BreakerStoreContext interface {
	GetDataContext(ctx context.Context, name string) ([]byte, error)
	TryLeaseContext(ctx context.Context, name string, ttl time.Duration) (bool, error)
}

// CircuitBreaker stops a client from calling a vendor that is failing:
// after Failures attempts in a row fail, calls fail at once with
// ErrCircuitOpen for CoolDown, without a request; then probes find out
// whether the vendor is back. It is built on sony/gobreaker: a
// TwoStepCircuitBreaker in one process, its DistributedCircuitBreaker over
// a BreakerStore for many replicas. Share one breaker between the clients
// that call one vendor account. It is safe for concurrent use.
type CircuitBreaker struct {
	name     string
	settings gobreaker.Settings
	local    *gobreaker.TwoStepCircuitBreaker[struct{}]
	store    BreakerStore
	logger   *slog.Logger

	mu        sync.Mutex
	shared    *gobreaker.DistributedCircuitBreaker[struct{}] // built at the first call the store answers
	storeDown time.Time                                      // the store failed: local until then
	warned    bool

	openUntil atomic.Int64 // the shared breaker is open until then (Unix ns)
	last      atomic.Pointer[APIError]
}

// storeRetry is how long a breaker whose store failed uses its own state
// before asking the store again.
const storeRetry = 5 * time.Second

// NewCircuitBreaker returns a circuit breaker with s's settings; zero
// fields take the defaults.
func NewCircuitBreaker(s BreakerSettings) *CircuitBreaker {
	failures := uint32(DefaultBreakerFailures)
	if s.Failures > 0 {
		failures = uint32(min(s.Failures, 1<<20))
	}
	probes := uint32(DefaultBreakerProbes)
	if s.Probes > 0 {
		probes = uint32(min(s.Probes, 1<<20))
	}
	coolDown := DefaultBreakerCoolDown
	if s.CoolDown > 0 {
		coolDown = min(s.CoolDown, 24*time.Hour)
	}
	b := &CircuitBreaker{name: s.Name, logger: s.Logger}
	if b.logger == nil {
		b.logger = slog.Default()
	}
	if !isNil(s.Store) {
		b.store = s.Store
	}
	b.settings = gobreaker.Settings{
		Name:         s.Name,
		MaxRequests:  probes,
		Timeout:      coolDown,
		ReadyToTrip:  func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		IsSuccessful: func(err error) bool { return err == nil },
		IsExcluded:   func(err error) bool { return err == errNotCounted },
	}
	b.local = gobreaker.NewTwoStepCircuitBreaker[struct{}](b.settings)
	return b
}

// WithCircuitBreaker puts every attempt of the client through b: an open
// breaker fails a call at once with an error matching ErrCircuitOpen (and
// carrying the vendor's last failure), and the retry policy does not
// retry it.
func WithCircuitBreaker(b *CircuitBreaker) Option {
	return func(c *config) {
		if b != nil && b.local != nil { // a zero CircuitBreaker is none
			c.breaker = b
		}
	}
}

// What an attempt tells the breaker.
var (
	errVendorFailing = errors.New("the vendor failed") // a 5xx or a transport failure
	errNotCounted    = errors.New("not counted")       // a 429, the caller's cancellation, nothing sent
)

// breakerResult classifies an attempt's answer for the breaker.
func breakerResult(ctx context.Context, resp *http.Response, err error) error {
	switch {
	case err != nil && (limited(err) || errors.Is(ctx.Err(), context.Canceled)):
		return errNotCounted // nothing sent, or the caller gave up: the vendor is not to blame
	case err != nil:
		return errVendorFailing // a deadline passing counts: a vendor that hangs is failing
	case resp.StatusCode >= 500:
		return errVendorFailing
	case resp.StatusCode == http.StatusTooManyRequests:
		return errNotCounted
	}
	return nil
}

// ticket is one attempt let through, to be reported with done.
type ticket struct {
	local func(error) // a local breaker's report
	probe bool        // the shared breaker's probe, holding the lease
	fails uint32      // the shared count of failures in a row when it was let through
}

// admit lets an attempt through, or fails it with ErrCircuitOpen.
func (b *CircuitBreaker) admit(ctx context.Context) (ticket, error) {
	// Known open from the shared state: no store call, and honored until
	// its cool-down ends even if the store stops answering meanwhile.
	if until := b.openUntil.Load(); until != 0 && time.Now().UnixNano() < until {
		return ticket{}, b.openError()
	}
	if shared := b.sharedBreaker(); shared != nil {
		if t, err, ok := b.admitShared(ctx); ok {
			return t, err
		}
	}
	done, err := b.local.Allow()
	if err != nil {
		return ticket{}, b.openError()
	}
	return ticket{local: done}, nil
}

// admitShared decides by the shared state; ok is false when the store
// failed and the local breaker must decide. When ctx ends during a store
// call, the attempt is not sent and the store is not taken for down.
func (b *CircuitBreaker) admitShared(ctx context.Context) (t ticket, err error, ok bool) {
	now := time.Now()
	st, err := b.sharedState(ctx)
	if err != nil {
		return b.admitFailed(ctx, err)
	}
	switch {
	case st.State == gobreaker.StateClosed:
		return ticket{fails: st.Counts.ConsecutiveFailures}, nil, true
	case st.State == gobreaker.StateOpen && now.Before(st.Expiry):
		b.openUntil.Store(st.Expiry.UnixNano())
		return ticket{}, b.openError(), true
	}
	// Half-open, or open past its cool-down: one probe at a time.
	var got bool
	if cs, ok := b.store.(BreakerStoreContext); ok {
		got, err = cs.TryLeaseContext(ctx, b.leaseName(), b.settings.Timeout)
	} else {
		got, err = b.store.TryLease(b.leaseName(), b.settings.Timeout)
	}
	if err != nil {
		return b.admitFailed(ctx, err)
	}
	if !got {
		return ticket{}, b.openError(), true
	}
	return ticket{probe: true}, nil, true
}

// admitFailed answers admitShared after a store call failed: the
// attempt's context ended (it is not sent), or the store failed (the local
// breaker decides).
func (b *CircuitBreaker) admitFailed(ctx context.Context, err error) (ticket, error, bool) {
	if ctx.Err() != nil {
		return ticket{}, &notSentError{ctx.Err()}, true
	}
	b.storeFailed(err)
	return ticket{}, nil, false
}

// done reports an attempt's outcome (see breakerResult).
func (b *CircuitBreaker) done(t ticket, result error) {
	switch {
	case t.local != nil:
		t.local(result)
	case t.probe:
		b.record(result)
		if err := b.store.ReleaseLease(b.leaseName()); err != nil {
			b.storeFailed(err)
		}
	case result == errVendorFailing || result == nil && t.fails > 0:
		b.record(result) // a healthy vendor's successes are not written
	}
}

// record writes an outcome into the shared state, through gobreaker's
// distributed breaker, which locks, counts and decides the state.
func (b *CircuitBreaker) record(result error) {
	if b.recordOnce(result) {
		b.recordOnce(result) // the state was gone and is written again: count the outcome in it
	}
}

// recordOnce writes an outcome into the shared state; gone reports that
// the state was not there (it expired, a day after anyone last wrote it,
// or something else replaced it) and the shared breaker is to be built
// again, which writes a fresh state.
func (b *CircuitBreaker) recordOnce(result error) (gone bool) {
	shared := b.sharedBreaker()
	if shared == nil || result == errNotCounted {
		return false
	}
	if result != nil {
		// Many calls fail together when a vendor goes down: once one of
		// them has opened the breaker, the others have nothing to add.
		if st, err := b.sharedState(context.Background()); err == nil && st.State == gobreaker.StateOpen && time.Now().Before(st.Expiry) {
			b.openUntil.Store(st.Expiry.UnixNano())
			return false
		}
	}
	// gobreaker v2.4.0's Execute reads the shared state before it takes
	// the store's lock, so two replicas can both write back what they read
	// and lose a count or reopen nothing. The lock is taken here, around
	// the whole Execute; gobreaker's own Lock and Unlock are no-ops (see
	// lockedOutside).
	if err := b.store.Lock(b.lockName()); err != nil {
		if !errors.Is(err, ErrBreakerBusy) {
			b.storeFailed(err)
		}
		return false
	}
	_, err := shared.Execute(func() (struct{}, error) { return struct{}{}, result })
	if uerr := b.store.Unlock(b.lockName()); err == nil || err == result {
		err = uerr
	}
	switch {
	case err == nil || err == result || errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests):
		b.openUntil.Store(0) // the state may have changed: read it again
	case errors.Is(err, ErrBreakerBusy):
		// Another replica held the lock too long: this outcome is not
		// counted, the store is not down.
	case errors.Is(err, gobreaker.ErrNoSharedState):
		b.mu.Lock()
		if b.shared == shared {
			b.shared = nil
		}
		b.mu.Unlock()
		return true
	default:
		b.storeFailed(err)
	}
	return false
}

// ErrBreakerBusy is what a BreakerStore's Lock returns when another
// replica holds the breaker's lock longer than it waits: the outcome being
// recorded is dropped, and the store is not taken for down.
var ErrBreakerBusy = errors.New("the circuit breaker's lock is held by another replica")

// saw keeps the vendor's latest failure, for ErrCircuitOpen's errors.
func (b *CircuitBreaker) saw(e *APIError) {
	if e != nil && e.StatusCode >= 500 {
		b.last.Store(e.clone()) // the call goes on to complete e
	}
}

// openError is ErrCircuitOpen with a copy of the vendor's last failure.
func (b *CircuitBreaker) openError() error {
	e := &circuitOpenError{}
	if last := b.last.Load(); last != nil {
		e.last = last.clone() // each caller's to change (Redact)
	}
	return e
}

// State returns the breaker's state: the shared one when it has a store
// that answers.
func (b *CircuitBreaker) State() gobreaker.State {
	if b == nil || b.local == nil {
		return gobreaker.StateClosed
	}
	if b.sharedBreaker() != nil {
		if st, err := b.sharedState(context.Background()); err == nil {
			if st.State == gobreaker.StateOpen && !time.Now().Before(st.Expiry) {
				return gobreaker.StateHalfOpen
			}
			return st.State
		}
	}
	return b.local.State()
}

// sharedBreaker returns the distributed breaker, building it at the first
// call the store answers, or nil while the store is down or absent.
func (b *CircuitBreaker) sharedBreaker() *gobreaker.DistributedCircuitBreaker[struct{}] {
	if b.store == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Now().Before(b.storeDown) {
		return nil
	}
	if b.shared == nil {
		shared, err := newDistributed(b.store, b.settings, b.lockName())
		if errors.Is(err, ErrBreakerBusy) {
			return nil // the local breaker decides this once
		}
		if err != nil {
			b.failedLocked(err)
			return nil
		}
		b.shared, b.warned = shared, false // the store is back: a later outage warns again
	}
	return b.shared
}

// newDistributed builds gobreaker's distributed breaker on store, once the
// store answers. gobreaker v2.4.0's constructor unlocks through a nil
// breaker when the store fails after it took the lock, and panics: a
// store that fails to answer is asked first, and a failure after that is
// recovered here as the store's error. The constructor writes a closed
// state where it finds none, and its own locking does nothing here (see
// lockedOutside): the store's lock is held around it then, or replicas
// starting together could write it over the state one of them has just
// opened.
func newDistributed(store BreakerStore, st gobreaker.Settings, lock string) (shared *gobreaker.DistributedCircuitBreaker[struct{}], err error) {
	data, err := store.GetData("gobreaker:state:" + st.Name)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		if err := store.Lock(lock); err != nil {
			return nil, err
		}
		defer func() {
			if uerr := store.Unlock(lock); uerr != nil && err == nil {
				shared, err = nil, uerr
			}
		}()
	}
	defer func() {
		if r := recover(); r != nil {
			shared, err = nil, fmt.Errorf("the store failed while the breaker's state was set up: %v", r)
		}
	}()
	return gobreaker.NewDistributedCircuitBreaker[struct{}](lockedOutside{store}, st)
}

// lockedOutside is the store as gobreaker's distributed breaker sees it:
// the breaker takes the store's lock itself, around Execute (see record),
// so gobreaker's own locking does nothing.
type lockedOutside struct{ BreakerStore }

func (lockedOutside) Lock(string) error   { return nil }
func (lockedOutside) Unlock(string) error { return nil }

// sharedState reads the shared state without the lock, with ctx when the
// store takes one.
func (b *CircuitBreaker) sharedState(ctx context.Context) (gobreaker.SharedState, error) {
	var st gobreaker.SharedState
	key := "gobreaker:state:" + b.name // gobreaker's own key for it
	var data []byte
	var err error
	if cs, ok := b.store.(BreakerStoreContext); ok {
		data, err = cs.GetDataContext(ctx, key)
	} else {
		data, err = b.store.GetData(key)
	}
	if err != nil || len(data) == 0 {
		return st, err // no state yet: closed
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, err
	}
	return st, nil
}

func (b *CircuitBreaker) leaseName() string { return "iotapi:breaker:probe:" + b.name }
func (b *CircuitBreaker) lockName() string  { return "iotapi:breaker:lock:" + b.name }

// storeFailed switches to the local breaker for storeRetry, with one
// warning for the outage.
func (b *CircuitBreaker) storeFailed(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failedLocked(err)
}

func (b *CircuitBreaker) failedLocked(err error) {
	b.storeDown = time.Now().Add(storeRetry)
	b.shared = nil
	if !b.warned {
		b.warned = true
		b.logger.Warn("iotapi: circuit breaker store unreachable; this process decides alone",
			slog.String("breaker", b.name), slog.Duration("retry_in", storeRetry), slog.String("error", err.Error()))
	}
}

// circuitOpenError is a call failed by an open breaker. It matches
// ErrCircuitOpen, and the vendor's last failure when there was one.
type circuitOpenError struct{ last *APIError }

func (e *circuitOpenError) Error() string {
	if e.last == nil {
		return ErrCircuitOpen.Error()
	}
	return ErrCircuitOpen.Error() + "; the vendor's last failure: " + e.last.Error()
}

func (e *circuitOpenError) Unwrap() []error {
	if e.last == nil {
		return []error{ErrCircuitOpen}
	}
	return []error{ErrCircuitOpen, e.last}
}
