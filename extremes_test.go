package iotapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"
)

// Every option at its extremes: no panic, no lost byte, no retry
// announced and not sent, and a healthy vendor's answer gets through.
func TestOptions_AtTheirExtremes(t *testing.T) {
	const maxDur = time.Duration(math.MaxInt64)
	const minDur = time.Duration(math.MinInt64)
	var nilLimiter *rate.Limiter
	var nilSource *countingSource
	for name, opts := range map[string][]iotapi.Option{
		"retries max":          {iotapi.WithMaxRetries(math.MaxInt)},
		"retries min":          {iotapi.WithMaxRetries(math.MinInt)},
		"backoff max":          {iotapi.WithBackoff(maxDur, maxDur)},
		"backoff min":          {iotapi.WithBackoff(minDur, minDur)},
		"backoff huge min":     {iotapi.WithBackoff(maxDur/2+1, maxDur)},
		"retry-after max":      {iotapi.WithMaxRetryAfter(maxDur)},
		"retry-after min":      {iotapi.WithMaxRetryAfter(minDur)},
		"buffer max":           {iotapi.WithMaxBufferedBody(math.MaxInt64)},
		"buffer min":           {iotapi.WithMaxBufferedBody(math.MinInt64)},
		"buffer zero":          {iotapi.WithMaxBufferedBody(0)},
		"budget extremes":      {iotapi.WithRetryBudget(iotapi.RetryBudget{Ratio: math.Inf(1), Floor: math.MaxInt, Window: maxDur})},
		"budget NaN":           {iotapi.WithRetryBudget(iotapi.RetryBudget{Ratio: math.NaN(), Floor: math.MinInt, Window: minDur})},
		"token margin max":     {iotapi.WithTokenSource(&countingSource{life: time.Hour}), iotapi.WithTokenMargin(maxDur)},
		"token margin min":     {iotapi.WithTokenSource(&countingSource{life: time.Hour}), iotapi.WithTokenMargin(minDur)},
		"nil pointers":         {iotapi.WithRateLimit(nilLimiter), iotapi.WithTokenSource(nilSource), iotapi.WithTokenCache(nil)},
		"nil funcs":            {iotapi.WithOnRetry(nil), iotapi.WithLogger(nil), iotapi.WithHooks(iotapi.Hooks{}), nil},
		"limiter without rate": {iotapi.WithRateLimit(rate.NewLimiter(0, 0))},
	} {
		t.Run(name, func(t *testing.T) {
			plan := iotapitest.NewPlan(iotapitest.Times(2, canned("dt", "503")), iotapitest.Always(iotapitest.OK(`{}`)))
			rec := &recorder{}
			srv := serveHandler(t, rec.wrap(plan))
			var retries int
			var mu sync.Mutex
			opts := append([]iotapi.Option{iotapi.WithOnRetry(func(iotapi.RetryEvent) { mu.Lock(); retries++; mu.Unlock() })}, opts...)
			c, _ := newClient(dt.Vendor, opts...)
			body := payload(4096)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// A body without GetBody: it is buffered, or sent once, whole.
			req, _ := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, io.NopCloser(bytes.NewReader(body)))
			resp, err := c.Do(req)
			sent := rec.count()
			mu.Lock()
			defer mu.Unlock()
			if sent == 0 { // a limiter that lets nothing go (rate 0, burst 0)
				var re *iotapi.RequestError
				require.ErrorAs(t, err, &re)
				assert.Zero(t, re.Attempts)
				assert.Zero(t, retries)
				return
			}
			assert.Equal(t, sent-1, retries, "every retry announced was sent")
			for i := 0; i < sent; i++ {
				assert.Equal(t, sha256.Sum256(body), rec.bodies[i], "attempt %d's body, byte for byte", i+1)
			}
			if err == nil {
				resp.Body.Close()
				assert.Equal(t, 3, sent)
				return
			}
			var apiErr *iotapi.APIError
			require.ErrorAs(t, err, &apiErr, "a vendor answer, never a lost one")
			assert.Equal(t, sent, apiErr.Attempts)
		})
	}
}

// The extremes of one call's own options.
func TestCallOptions_AtTheirExtremes(t *testing.T) {
	for name, opts := range map[string][]iotapi.CallOption{
		"retries max":     {iotapi.CallMaxRetries(math.MaxInt)},
		"retries min":     {iotapi.CallMaxRetries(math.MinInt)},
		"retry-after max": {iotapi.CallMaxRetryAfter(time.Duration(math.MaxInt64))},
		"retry-after min": {iotapi.CallMaxRetryAfter(time.Duration(math.MinInt64))},
		"none":            {},
		"nil":             {nil},
	} {
		t.Run(name, func(t *testing.T) {
			plan := iotapitest.NewPlan(iotapitest.Times(1, canned("dt", "503")), iotapitest.Always(iotapitest.OK(`{}`)))
			srv := serve(t, plan)
			c, _ := newClient(dt.Vendor)
			req, _ := http.NewRequestWithContext(iotapi.WithCallOptions(context.Background(), opts...), http.MethodGet, srv.URL, nil)
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
				return
			}
			var apiErr *iotapi.APIError
			require.ErrorAs(t, err, &apiErr)
		})
	}
}

// A token that lives shorter than any margin is still used, not fetched
// on every call.
func TestTokenMargin_LongerThanTheToken(t *testing.T) {
	srv := serveHandler(t, &authServer{accept: func(string) bool { return true }})
	src := &countingSource{life: time.Minute}
	c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(src), iotapi.WithTokenMargin(time.Duration(math.MaxInt64)))
	for i := 0; i < 5; i++ {
		resp, err := get(t, c, srv.URL)
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.Equal(t, int64(1), src.n.Load())
}

var _ oauth2.TokenSource = (*countingSource)(nil)
