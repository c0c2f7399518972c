package iotapi_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretsNeverLeave(t *testing.T) {
	plan := iotapitest.NewPlan(
		iotapitest.Times(1, echoing(iotapitest.MustLookup("dt", "503"))),
		iotapitest.Times(1, echoing(iotapitest.MustLookup("dt", "429").WithHeader("Retry-After", "1"))),
		iotapitest.Always(echoing(iotapitest.MustLookup("dt", "401"))),
	)
	srv := serve(t, plan)

	var logs bytes.Buffer
	var mu sync.Mutex
	var events []string
	c, _ := newClient(dt.Vendor,
		iotapi.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		iotapi.WithOnRetry(func(ev iotapi.RetryEvent) {
			mu.Lock()
			events = append(events, fmt.Sprintf("%+v %v", ev, ev.Err))
			mu.Unlock()
		}))

	_, err := c.Do(secretRequest(t, http.MethodPost, srv.URL))
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 401, e.StatusCode)
	assert.Len(t, events, 2)

	assertNoPlanted(t, "Error()", err.Error())
	assertNoPlanted(t, "the APIError", fmt.Sprintf("%+v %#v", e, *e))
	var hdr bytes.Buffer
	require.NoError(t, e.Header.Write(&hdr))
	assertNoPlanted(t, "APIError.Header", hdr.String())
	assertNoPlanted(t, "the slog output", logs.String())
	assertNoPlanted(t, "the retry events", strings.Join(events, "\n"))
	assert.Contains(t, logs.String(), "access_token=REDACTED", "the URL is logged, redacted")
}

func TestSecretsNeverLeave_NoResponse(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	var logs bytes.Buffer
	c, _ := newClient(dt.Vendor, iotapi.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err := c.Do(secretRequest(t, http.MethodGet, base))
	var re *iotapi.RequestError
	require.ErrorAs(t, err, &re)
	assertNoPlanted(t, "RequestError", err.Error())
	assertNoPlanted(t, "RequestError fields", fmt.Sprintf("%+v", *re))
	assertNoPlanted(t, "the slog output", logs.String())
}

func TestSecretsNeverLeave_Transport(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(echoing(iotapitest.MustLookup("dt", "403")))))
	hc := &http.Client{Transport: iotapi.NewTransport(nil, dt.Vendor)}
	resp, err := hc.Do(secretRequest(t, http.MethodGet, srv.URL))
	require.NoError(t, err)
	defer resp.Body.Close()
	err = dt.CheckResponse(resp)
	var e *iotapi.APIError
	require.True(t, errors.As(err, &e))
	var hdr bytes.Buffer
	require.NoError(t, e.Header.Write(&hdr))
	assertNoPlanted(t, "Error()", err.Error())
	assertNoPlanted(t, "APIError.Header", hdr.String())
	_, _ = io.Copy(io.Discard, resp.Body)
}
