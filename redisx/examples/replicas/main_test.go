package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/iotapi/iotapi/redisx/internal/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(redistest.Require(t), &out))
	t.Log(out.String())
	var accepted, limited, fetches int
	var used float64
	_, err := fmt.Sscanf(out.String()[bytes.IndexByte(out.Bytes(), '\n')+1:], "  accepted %d (%f%% of the quota), answered 429: %d, token fetches: %d", &accepted, &used, &limited, &fetches)
	require.NoError(t, err, out.String())
	assert.Equal(t, 1, fetches, "one token for all replicas")
	// The strict figures (no 429, at least 98% of the quota) are asserted
	// by redisx's replica tests over three of DT's 10-second windows; this
	// demo's windows are a second long, with a 10 ms jitter allowance, and
	// it makes few calls, so one late arrival is a large share.
	assert.LessOrEqual(t, limited, accepted/20, "almost no call answered 429")
	assert.Greater(t, accepted, 100)
	assert.Greater(t, used, 90.0)
}
