package iotapi_test

import (
	"testing"

	"go.uber.org/goleak"
)

// No goroutine outlives the tests: the client starts none of its own, and
// every response body, retried or final, is closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
