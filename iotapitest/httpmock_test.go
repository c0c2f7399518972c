package iotapitest_test

import (
	"context"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const url = "https://vendor.test/v1/devices"

func TestResponse_Responder(t *testing.T) {
	mock := httpmock.NewMockTransport()
	canned := iotapitest.MustLookup("dt", "429")
	mock.RegisterResponder(http.MethodGet, url, canned.Responder())
	resp, err := (&http.Client{Transport: mock}).Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "9", resp.Header.Get("Retry-After"))
	assert.Equal(t, canned.Body, body)
}

// resetThen503ThenOK is a plan that resets the first connection, answers
// DT's 503 next, and succeeds from then on.
func resetThen503ThenOK() *iotapitest.Plan {
	return iotapitest.NewPlan(
		iotapitest.Times(1, iotapitest.Reset()),
		iotapitest.Times(1, iotapitest.Respond(iotapitest.MustLookup("dt", "503"))),
		iotapitest.Always(iotapitest.OK(`{"ok":true}`)),
	)
}

func TestPlan_Responder(t *testing.T) {
	plan := resetThen503ThenOK()
	mock := httpmock.NewMockTransport()
	mock.RegisterResponder(http.MethodGet, url, plan.Responder())
	hc := &http.Client{Transport: mock}

	_, err := hc.Get(url)
	assert.ErrorIs(t, err, syscall.ECONNRESET)
	resp, err := hc.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	resp, err = hc.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

func TestPlan_ResponderThroughTheRetryClient(t *testing.T) {
	plan := resetThen503ThenOK()
	mock := httpmock.NewMockTransport()
	mock.RegisterResponder(http.MethodGet, url, plan.Responder())
	c := iotapi.NewClient(&http.Client{Transport: mock}, dt.Vendor, iotapi.WithBackoff(time.Millisecond, time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 3, plan.Calls(), "reset, 503 (DT's 1 s floor), then success")
}

func TestPlan_ResponderDelayEndsWithContext(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Always(iotapitest.Delay(time.Hour, iotapitest.OK(`{}`))))
	mock := httpmock.NewMockTransport()
	mock.RegisterResponder(http.MethodGet, url, plan.Responder())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	_, err := (&http.Client{Transport: mock}).Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
