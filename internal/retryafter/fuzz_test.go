package retryafter

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParse: Parse never panics; a hint it accepts is positive and at most
// Max; a plain count of seconds within range is that many seconds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", "1.5", "99999999999999999999", "Sun, 22 Nov 2026 08:00:30 GMT",
		"Sunday, 22-Nov-26 08:01:00 GMT", "Sun Nov 22 08:02:00 2026", "soon", "", " 7 ", "1e9", "0x10", "NaN", "Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := Parse(v, now)
		if !ok {
			if d != 0 {
				t.Fatalf("no hint but d = %v", d)
			}
			return
		}
		if d <= 0 || d > Max {
			t.Fatalf("Parse(%q) = %v, out of (0, Max]", v, d)
		}
		s := strings.TrimSpace(v)
		if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 1e9 && d != time.Duration(n)*time.Second {
			t.Fatalf("Parse(%q) = %v, want %ds", v, d, n)
		}
	})
}
