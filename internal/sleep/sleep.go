// Package sleep waits for a duration unless a context ends first: the one
// wait that the rate limiters, the shared token cache and the test servers
// all need, written once.
package sleep

import (
	"context"
	"time"
)

// For waits d, or until ctx ends, whichever comes first. It returns nil
// once d has passed (at once for d <= 0), else ctx.Err(). It leaves
// nothing running behind it: its timer is stopped either way.
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
