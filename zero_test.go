package iotapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/tellus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The zero value of every exported type, and nil where a pointer is
// taken, gives a clear error or a harmless default, never a panic.
func TestZeroValuesAndNils_DoNotPanic(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{}`))))
	req := func() *http.Request { r, _ := http.NewRequest(http.MethodGet, srv.URL, nil); return r }

	_, err := (&iotapi.Client{}).Do(req())
	assert.Error(t, err, "a Client not made by NewClient")
	var nilClient *iotapi.Client
	_, err = nilClient.Do(req())
	assert.Error(t, err)

	c := iotapi.NewClient(nil, iotapi.Vendor{}, iotapi.WithCircuitBreaker(&iotapi.CircuitBreaker{}),
		iotapi.WithRateLimit(&iotapi.AdaptiveLimiter{}))
	resp, err := c.Do(req())
	require.NoError(t, err, "a zero breaker and a zero adaptive limiter let calls go")
	resp.Body.Close()

	assert.NotEmpty(t, (&iotapi.APIError{}).Error())
	assert.NotEmpty(t, (&iotapi.RequestError{}).Error())
	assert.NotEmpty(t, (&iotapi.PartialError{}).Error())
	assert.NotEmpty(t, (&iotapi.Report{}).String())
	assert.NotNil(t, iotapi.NewAPIError("dt", nil))
	_, ok := iotapi.NewReport(nil)
	assert.False(t, ok)
	assert.Error(t, dt.CheckResponse(nil))
	assert.False(t, iotapi.IsRetryable(nil))

	_, err = tellus.DecodeData[map[string]any](&http.Response{StatusCode: 200})
	assert.Error(t, err, "no body: not a Tellus envelope")
	_, err = tellus.DecodeData[map[string]any](nil)
	assert.Error(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	assert.NoError(t, (&iotapi.AdaptiveLimiter{}).Wait(ctx))
	assert.NoError(t, iotapi.RateLimit{}.NewLimiter().Wait(ctx))
	var nilBreaker *iotapi.CircuitBreaker
	_ = nilBreaker.State()
}
