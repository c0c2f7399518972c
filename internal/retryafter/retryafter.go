// Package retryafter parses the Retry-After header (RFC 9110 §10.2.3).
package retryafter

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Max bounds an absurd hint so it cannot overflow a time.Duration; it is far
// beyond any wait a client sleeps.
const Max = 100 * 365 * 24 * time.Hour

// Parse returns the wait a Retry-After value asks for: delay-seconds (a
// decimal fraction is accepted), or an HTTP-date in any of the three forms a
// recipient must accept (IMF-fixdate, RFC 850, asctime), measured from now.
// Empty, negative, unparseable and past values report ok == false: no hint.
func Parse(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if c := v[0]; c >= '0' && c <= '9' {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(secs) || secs < 0 {
			return 0, false
		}
		if secs >= Max.Seconds() {
			return Max, true
		}
		if secs == 0 {
			return 0, false
		}
		return time.Duration(math.Ceil(secs * float64(time.Second))), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d = t.Sub(now)
	if d <= 0 {
		return 0, false
	}
	return min(d, Max), true
}

// Header returns the first usable hint among the Retry-After values of h.
func Header(h http.Header, now time.Time) (time.Duration, bool) {
	for _, v := range h.Values("Retry-After") {
		if d, ok := Parse(v, now); ok {
			return d, true
		}
	}
	return 0, false
}
