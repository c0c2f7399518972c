package retryafter

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var now = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"120":                            120 * time.Second,
		" 7 ":                            7 * time.Second,
		"1.5":                            1500 * time.Millisecond,
		"Sun, 22 Nov 2026 08:00:30 GMT":  30 * time.Second, // IMF-fixdate
		"Sunday, 22-Nov-26 08:01:00 GMT": time.Minute,      // RFC 850
		"Sun Nov 22 08:02:00 2026":       2 * time.Minute,  // asctime
		"99999999999999":                 Max,
	} {
		got, ok := Parse(v, now)
		assert.True(t, ok, v)
		assert.Equal(t, want, got, v)
	}
}

func TestParse_NoHint(t *testing.T) {
	for _, v := range []string{"", "0", "-5", "soon", "1e3x", "NaN", "Sun, 22 Nov 2026 07:59:00 GMT", "Mon, 01 Jan 1990 00:00:00 GMT", "2026-11-22T09:00:00Z"} {
		got, ok := Parse(v, now)
		assert.False(t, ok, v)
		assert.Zero(t, got, v)
	}
}

func TestHeader_FirstUsableValue(t *testing.T) {
	h := http.Header{"Retry-After": {"garbage", "-1", "9", "30"}}
	got, ok := Header(h, now)
	assert.True(t, ok)
	assert.Equal(t, 9*time.Second, got)

	_, ok = Header(http.Header{}, now)
	assert.False(t, ok)
}
