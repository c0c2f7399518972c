package iotapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/tellus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The body's wait and the Retry-After header of one response are measured
// from the same clock, the one NewAPIError uses.
func TestTellus_BodyRetryAfterUsesTheLibraryClock(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	restore := iotapi.SetNow(func() time.Time { return at })
	defer restore()

	date := func(d time.Duration) string { return at.Add(d).Format(http.TimeFormat) }
	body := `{"code": 5001, "message": "Too many requests", "details": {"retry_after_seconds": "` + date(90*time.Second) + `"}}`
	resp := fixture.Response(t, 429, body, "Retry-After", date(30*time.Second))
	var e *iotapi.APIError
	require.ErrorAs(t, tellus.CheckResponse(resp), &e)
	assert.Equal(t, 90*time.Second, e.RetryAfter, "the later of the two hints, both measured from the test's clock")

	resp = fixture.Response(t, 429, `{"code": 5001, "details": {"retry_after_seconds": "`+date(-time.Minute)+`"}}`, "Retry-After", "7")
	require.ErrorAs(t, tellus.CheckResponse(resp), &e)
	assert.Equal(t, 7*time.Second, e.RetryAfter, "a date already past by the library's clock is no hint")
}
