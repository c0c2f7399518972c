package otelx_test

import (
	"testing"

	"go.uber.org/goleak"
)

// No goroutine outlives the tests: the hooks start none, and the SDK's
// span recorder and manual reader run in the caller's goroutine.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
