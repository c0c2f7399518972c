package iotapi_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/tiot"
	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Transport failures are clearest to inject below the network, with
// httpmock: each kind of error, for each kind of request.

const mockURL = "https://vendor.test/v1/devices"

func mockClient(t *testing.T, err error, opts ...iotapi.Option) (*iotapi.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, mockURL, httpmock.NewErrorResponder(err))
	mt.RegisterResponder(http.MethodGet, mockURL, httpmock.NewErrorResponder(err))
	s := &sleeps{}
	opts = append([]iotapi.Option{iotapi.WithRecordedWaits(s.record)}, opts...)
	return iotapi.NewClient(&http.Client{Transport: mt}, dt.Vendor, opts...), mt
}

func TestClient_TransportErrors(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	for _, c := range []struct {
		name   string
		method string
		err    error
		calls  int
		unsafe bool
	}{
		{"GET refused: retried", http.MethodGet, dial, 4, false},
		{"POST refused: nothing was sent, retried", http.MethodPost, dial, 4, false},
		{"GET reset: retried", http.MethodGet, reset, 4, false},
		{"POST reset: maybe processed, sent once", http.MethodPost, reset, 1, true},
		{"POST unexpected EOF: maybe processed, sent once", http.MethodPost, io.ErrUnexpectedEOF, 1, true},
		{"GET certificate error: permanent", http.MethodGet, errors.New("x509: certificate signed by unknown authority"), 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, mt := mockClient(t, c.err)
			req, _ := http.NewRequest(c.method, mockURL, strings.NewReader(`{}`))
			_, err := cl.Do(req)
			var re *iotapi.RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, c.calls, mt.GetTotalCallCount())
			assert.Equal(t, c.calls, re.Attempts)
			assert.Equal(t, c.unsafe, errors.Is(err, iotapi.ErrNotReplayable))
			assert.ErrorIs(t, err, c.err)
		})
	}
}

func TestClient_NoResponseBeforeTimeout(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.Delay(time.Minute, iotapitest.OK(`{}`)))))
	c := iotapi.NewClient(&http.Client{Timeout: 100 * time.Millisecond}, dt.Vendor)
	_, err := get(t, c, srv.URL)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var re *iotapi.RequestError
	assert.ErrorAs(t, err, &re)
	assert.False(t, iotapi.IsRetryable(err), "the caller's time is spent")
}

func TestClient_VendorSuccessCheck(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.Respond(iotapitest.MustLookup("tiot", "empty_200")))))
	c, _ := newClient(tiot.NewVendor(tiot.EmptyOKAsError()))
	resp, err := get(t, c, srv.URL)
	assert.Nil(t, resp)
	assert.ErrorIs(t, err, iotapi.InvalidRequest)
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 200, e.StatusCode)
	assert.Equal(t, 1, e.Attempts)

	c, _ = newClient(tiot.Vendor)
	resp, err = get(t, c, srv.URL)
	require.NoError(t, err, "by default an empty 200 is success")
	resp.Body.Close()
}

func TestClient_ResponseBodyOutlivesTimeoutUntilClosed(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(iotapitest.OK(`{"devices":["a","b"]}`))))
	c := iotapi.NewClient(&http.Client{Timeout: 5 * time.Second}, dt.Vendor)
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "the timeout's context lives until the body is read")
	assert.JSONEq(t, `{"devices":["a","b"]}`, string(body))
	require.NoError(t, resp.Body.Close())
}
