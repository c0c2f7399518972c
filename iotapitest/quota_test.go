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

// statuses calls url n times in a row and returns the statuses.
func statuses(t *testing.T, url string, n int) []int {
	t.Helper()
	var got []int
	for i := 0; i < n; i++ {
		resp, err := http.Get(url)
		require.NoError(t, err)
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	return got
}

func TestFixedWindowQuota(t *testing.T) {
	const per = 200 * time.Millisecond
	q := iotapitest.NewFixedWindowQuota(2, per, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429"))
	srv := httptest.NewServer(q)
	defer srv.Close()
	time.Sleep(time.Until(time.Now().Truncate(per).Add(per))) // the start of a window
	assert.Equal(t, []int{200, 200, 429}, statuses(t, srv.URL, 3))
	time.Sleep(time.Until(time.Now().Truncate(per).Add(per))) // the next window starts afresh
	assert.Equal(t, []int{200, 200, 429}, statuses(t, srv.URL, 3))
	assert.Equal(t, 4, q.Accepted())
	assert.Equal(t, 2, q.Limited())
}

// A token bucket of 2 refilled at 10 per second: 2 calls at once, then one
// per 100 ms.
func TestTokenBucketQuota(t *testing.T) {
	q := iotapitest.NewTokenBucketQuota(10, time.Second, 2, iotapitest.NewPlan(), iotapitest.MustLookup("endpointmgr", "1501_toomanyrequests"))
	srv := httptest.NewServer(q)
	defer srv.Close()
	assert.Equal(t, []int{200, 200, 429}, statuses(t, srv.URL, 3))
	time.Sleep(110 * time.Millisecond)
	assert.Equal(t, []int{200, 429}, statuses(t, srv.URL, 2), "one token back after 100 ms")
	time.Sleep(time.Second)
	assert.Equal(t, []int{200, 200, 429}, statuses(t, srv.URL, 3), "never more than the burst")
}

// Utilization and Tightest measure how close the calls came to the limit.
func TestQuota_Utilization(t *testing.T) {
	q := iotapitest.NewQuota(2, 100*time.Millisecond, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429"))
	srv := httptest.NewServer(q)
	defer srv.Close()
	assert.Equal(t, []int{200, 200}, statuses(t, srv.URL, 2))
	assert.Zero(t, q.Utilization(), "not yet Requests+1 calls")
	time.Sleep(200 * time.Millisecond)
	statuses(t, srv.URL, 1)
	u := q.Utilization()
	assert.Greater(t, u, 0.0)
	assert.Less(t, u, 0.5, "the third call came two windows after the first")
	assert.GreaterOrEqual(t, q.Tightest(), 200*time.Millisecond)
}

// A Quota of no requests answers every call 429; nothing panics.
func TestQuota_NoRequests(t *testing.T) {
	for _, q := range []*iotapitest.Quota{
		iotapitest.NewQuota(0, time.Second, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429")),
		iotapitest.NewFixedWindowQuota(-1, time.Second, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429")),
		iotapitest.NewTokenBucketQuota(5, 0, 5, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429")),
		iotapitest.NewTokenBucketQuota(5, time.Second, 0, iotapitest.NewPlan(), iotapitest.MustLookup("dt", "429")),
	} {
		srv := httptest.NewServer(q)
		assert.Equal(t, []int{429, 429}, statuses(t, srv.URL, 2))
		srv.Close()
	}
}
