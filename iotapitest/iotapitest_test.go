package iotapitest_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iotapi/iotapi/internal/catalog"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogIsCurrent(t *testing.T) {
	want, err := catalog.Generate("..")
	require.NoError(t, err)
	got, err := os.ReadFile("catalog_gen.go")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, got), "catalog_gen.go is stale: run go generate ./iotapitest")
}

func TestCatalogCoversEveryFixture(t *testing.T) {
	files, err := filepath.Glob("../testdata/*/*.http")
	require.NoError(t, err)
	n := 0
	for _, v := range iotapitest.Vendors() {
		n += len(iotapitest.Names(v))
	}
	assert.Equal(t, len(files), n)
	assert.Equal(t, []string{"dt", "endpointmgr", "telemax", "tellus", "tiot"}, iotapitest.Vendors())
}

func TestVendorServer(t *testing.T) {
	srv := iotapitest.NewVendorServer("tellus")
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/errors/2002_token_expired")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := iotapitest.MustLookup("tellus", "2002_token_expired")
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, want.Body, body)
	assert.Equal(t, "tls-req-2002", resp.Header.Get("X-Request-Id"))

	resp, err = http.Get(srv.URL + "/v1/stations")
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"code":0,"message":"success","data":{}}`, string(body))

	resp, err = http.Get(srv.URL + "/errors/no_such_name")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)
}

func TestPlan_FailThenSucceed(t *testing.T) {
	plan := iotapitest.NewPlan(
		iotapitest.Times(2, iotapitest.Respond(iotapitest.MustLookup("dt", "503"))),
		iotapitest.Always(iotapitest.OK(`{"ok":true}`)),
	)
	srv := httptest.NewServer(plan)
	defer srv.Close()
	var got []int
	for i := 0; i < 4; i++ {
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	assert.Equal(t, []int{503, 503, 200, 200}, got)
	assert.Equal(t, 4, plan.Calls())
}

func TestPlan_LastStepRepeats(t *testing.T) {
	plan := iotapitest.NewPlan(iotapitest.Times(1, iotapitest.OK(`{}`)), iotapitest.Times(1, iotapitest.Respond(iotapitest.MustLookup("dt", "429"))))
	srv := httptest.NewServer(plan)
	defer srv.Close()
	var got []int
	for i := 0; i < 3; i++ {
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	assert.Equal(t, []int{200, 429, 429}, got)
}

func TestPlan_Reset(t *testing.T) {
	srv := httptest.NewServer(iotapitest.NewPlan(iotapitest.Always(iotapitest.Reset())))
	defer srv.Close()
	_, err := http.Get(srv.URL)
	require.Error(t, err)
}

func TestPlan_DelayEndsWithClient(t *testing.T) {
	srv := httptest.NewServer(iotapitest.NewPlan(iotapitest.Always(iotapitest.Delay(time.Hour, iotapitest.OK(`{}`)))))
	defer srv.Close()
	c := &http.Client{Timeout: 50 * time.Millisecond}
	_, err := c.Get(srv.URL)
	require.Error(t, err)
}
