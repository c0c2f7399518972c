package iotapi_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The defaults are written three times: as constants, in the package
// documentation's option table, and in the README's. They must agree.
func TestDefaultsAgreeWithTheDocs(t *testing.T) {
	secs := func(d time.Duration) string { return strconv.Itoa(int(d/time.Second)) + " s" }
	want := map[string]string{
		"WithMaxRetries":      strconv.Itoa(iotapi.DefaultMaxRetries),
		"WithBackoff":         secs(iotapi.DefaultMinBackoff) + ", " + secs(iotapi.DefaultMaxBackoff),
		"WithMaxRetryAfter":   secs(iotapi.DefaultMaxRetryAfter),
		"WithRetryBudget":     budgetText(iotapi.DefaultRetryBudget),
		"WithMaxBufferedBody": strconv.Itoa(iotapi.DefaultMaxBufferedBody>>20) + " MiB",
		"WithTokenMargin":     secs(iotapi.DefaultTokenMargin),
	}

	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	// //	WithMaxRetries(n)            3                        retries after the first attempt
	docRow := regexp.MustCompile(`(?m)^//\t(With\w+)\([^)]*\)\s{2,}(.+?)\s{2,}`)
	assertTable(t, "doc.go", docRow.FindAllStringSubmatch(string(doc), -1), want)

	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	// | `WithMaxRetries(n)` | 3 | retries after the first attempt |
	readmeRow := regexp.MustCompile("(?m)^\\| `(With\\w+)\\([^)]*\\)` \\| ([^|]+?) \\|")
	assertTable(t, "README.md", readmeRow.FindAllStringSubmatch(string(readme), -1), want)
}

func assertTable(t *testing.T, file string, rows [][]string, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, r := range rows {
		got[r[1]] = strings.TrimSpace(r[2])
	}
	for name, def := range want {
		if v, ok := got[name]; assert.Truef(t, ok, "%s has no row for %s", file, name) {
			assert.Equalf(t, def, v, "%s: the default of %s", file, name)
		}
	}
}

// budgetText is how the docs write a RetryBudget: "20 + 0.5 per healthy answer, per 10 s".
func budgetText(rb iotapi.RetryBudget) string {
	return strconv.Itoa(rb.Floor) + " + " + strconv.FormatFloat(rb.Ratio, 'f', -1, 64) + " per healthy answer, per " +
		strconv.Itoa(int(rb.Window/time.Second)) + " s"
}
