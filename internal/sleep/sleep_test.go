package sleep_test

import (
	"context"
	"testing"
	"time"

	"github.com/iotapi/iotapi/internal/sleep"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFor_Elapses(t *testing.T) {
	start := time.Now()
	if err := sleep.For(context.Background(), 20*time.Millisecond); err != nil {
		t.Fatalf("For = %v, want nil", err)
	}
	if got := time.Since(start); got < 20*time.Millisecond {
		t.Errorf("returned after %v, before the 20ms passed", got)
	}
}

func TestFor_NothingToWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, d := range []time.Duration{0, -time.Second, -1 << 63} {
		if err := sleep.For(ctx, d); err != nil {
			t.Errorf("For(%v) = %v, want nil at once", d, err)
		}
	}
}

// A context that ends first ends the wait with its error: cancelled
// before the call, during it, or by its deadline.
func TestFor_EndsWithContext(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleep.For(done, time.Hour); err != context.Canceled {
		t.Errorf("cancelled before: For = %v, want context.Canceled", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	if err := sleep.For(ctx, time.Hour); err != context.Canceled {
		t.Errorf("cancelled during: For = %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := sleep.For(ctx, time.Hour); err != context.DeadlineExceeded {
		t.Errorf("deadline: For = %v, want context.DeadlineExceeded", err)
	}
	if got := time.Since(start); got > 5*time.Second {
		t.Errorf("returned after %v, long after the 10ms deadline", got)
	}
}
