package main

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no REDIS_ADDR in CI")
		}
		t.Skip("no REDIS_ADDR")
	}
	var out bytes.Buffer
	require.NoError(t, run(addr, &out))
	var accepted, tooMany, fetches int
	_, err := fmt.Sscanf(out.String()[bytes.IndexByte(out.Bytes(), '\n')+1:], "  accepted %d, answered 429: %d, token fetches: %d", &accepted, &tooMany, &fetches)
	require.NoError(t, err, out.String())
	assert.Equal(t, 1, fetches, "one token for all replicas")
	assert.LessOrEqual(t, tooMany, accepted/100, "at most 1%% answered 429")
	assert.Greater(t, accepted, 100)
}
