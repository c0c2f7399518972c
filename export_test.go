package iotapi

import (
	"context"
	"time"
)

// WithSleep replaces the retry wait, so tests observe planned waits
// without sleeping them.
func WithSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) { c.sleep = f }
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
