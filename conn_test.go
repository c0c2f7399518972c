package iotapi_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// connCounting starts a server for h that counts the connections it accepts.
func connCounting(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestClient_RetriedAndFailedBodiesKeepConnectionsAlive(t *testing.T) {
	plan := iotapitest.NewPlan(
		iotapitest.Times(3, canned("dt", "503")), // retried: drained by the retry loop
		iotapitest.Times(4, canned("dt", "404")), // final failures: drained by Do
		iotapitest.Always(iotapitest.OK(`{"ok":true}`)),
	)
	srv, conns := connCounting(t, plan)
	c, _ := newClient(dt.Vendor, iotapi.WithMaxRetries(3))
	for i := 0; i < 6; i++ {
		if resp, err := get(t, c, srv.URL); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	require.Equal(t, 9, plan.Calls()) // 503, 503, 503, 404; 404; 404; 404; 200; 200
	assert.Equal(t, int64(1), conns.Load(), "one connection served every attempt")
}

func TestTransport_RetriedBodiesKeepConnectionsAlive(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Times(3, canned("telemax", "internal_error")), iotapitest.Always(iotapitest.OK(`{}`)))
	srv, conns := connCounting(t, plan)
	s := &sleeps{}
	hc := &http.Client{Transport: iotapi.NewTransport(http.DefaultTransport.(*http.Transport).Clone(), dt.Vendor, iotapi.WithRecordedWaits(s.record))}
	resp, err := hc.Get(srv.URL)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Equal(t, 4, plan.Calls())
	assert.Equal(t, int64(1), conns.Load())
}
