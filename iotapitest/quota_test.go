package iotapitest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuota(t *testing.T) {
	q := iotapitest.NewQuota(3, time.Hour, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429"))
	srv := httptest.NewServer(q)
	defer srv.Close()
	var got []int
	for i := 0; i < 5; i++ {
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		resp.Body.Close()
		got = append(got, resp.StatusCode)
		if resp.StatusCode == 429 {
			assert.Equal(t, "3600", resp.Header.Get("Retry-After"))
		}
	}
	assert.Equal(t, []int{200, 200, 200, 429, 429}, got)
	assert.Equal(t, 3, q.Accepted())
	assert.Equal(t, 2, q.Limited())
}

func TestQuota_WindowSlides(t *testing.T) {
	q := iotapitest.NewQuota(1, 50*time.Millisecond, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429"))
	srv := httptest.NewServer(q)
	defer srv.Close()
	status := func() int {
		resp, err := http.Get(srv.URL)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, status())
	assert.Equal(t, 429, status())
	time.Sleep(60 * time.Millisecond)
	assert.Equal(t, 200, status())
	assert.Greater(t, q.Rate(), 0.0)
}
