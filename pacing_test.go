package iotapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// A limiter that refuses a wait past the deadline (x/time/rate does, with
// an error of its own) ends the call with an error matching
// context.DeadlineExceeded, as a wait that ran out would.
func TestRateLimit_RefusedWaitIsADeadline(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`)))
	srv := serve(t, plan)
	slow := rate.NewLimiter(rate.Every(time.Hour), 1)
	var waits []iotapi.LimiterWait
	c, _ := newClient(dt.Vendor, iotapi.WithRateLimit(slow),
		iotapi.WithHooks(iotapi.Hooks{LimiterWait: func(_ context.Context, w iotapi.LimiterWait) { waits = append(waits, w) }}))
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err, "the burst of one goes through")
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err = c.Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, iotapi.IsRetryable(err))
	var re *iotapi.RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, plan.Calls(), "the refused attempt never went out")
	require.Len(t, waits, 2)
	assert.ErrorIs(t, waits[1].Err, context.DeadlineExceeded, "the hook hears the refusal too")
}
