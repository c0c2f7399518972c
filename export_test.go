package iotapi

import "time"

// WithRecordedWaits makes the client hand each planned wait to record
// instead of sleeping it, as iotapitest's recording mode does.
func WithRecordedWaits(record func(time.Duration)) Option {
	return func(c *config) { c.recordWait = record }
}

// WithRand replaces the backoff's randomness.
func WithRand(f func() float64) Option {
	return func(c *config) { c.rand = f }
}

// SetNow replaces the clock used for Retry-After dates; it returns a
// function that restores it.
func SetNow(f func() time.Time) (restore func()) {
	old := now
	now = f
	return func() { now = old }
}
