package redact

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const fuzzSecret = "s3cr3t-FUZZ-9z"

// FuzzText: whatever text surrounds it, a credential planted as a secret
// query parameter of a URL, as user information, or after "Bearer " never
// comes out of Text, and Text never panics.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "see ", `Post "`, "(", "error: ", "\x00\xff", "http://", "Bearer", "a=b&c=d;"} {
		f.Add(s, s, "access_token")
	}
	f.Add(`Get "`, `": dial tcp`, "api_key")
	f.Add("x ", " y", "X-Amz-Signature")
	f.Fuzz(func(t *testing.T, before, after, name string) {
		_ = Text(before + after)
		if !IsSecret(name) || strings.ContainsAny(name, " \t\n\r\"'<>`&;=#?%") || name == "" {
			return
		}
		sep := " "
		for _, planted := range []string{
			"https://vendor.test/v1/x?" + url.QueryEscape(name) + "=" + fuzzSecret + "&page=2",
			"https://user:" + fuzzSecret + "@vendor.test/v1",
			"Bearer " + fuzzSecret,
		} {
			out := Text(before + sep + planted + sep + after)
			if strings.Contains(out, fuzzSecret) && !strings.Contains(before+after, fuzzSecret) {
				t.Fatalf("Text(%q) = %q: the secret came through", before+sep+planted+sep+after, out)
			}
		}
	})
}

// FuzzQuery: a secret parameter's value never survives Query, however
// the query around it is written, and Query never panics.
func FuzzQuery(f *testing.F) {
	f.Add("a=1&b=2", "api_key")
	f.Add("a=1;b=2", "sig")
	f.Add("%zz&&;=", "token")
	f.Fuzz(func(t *testing.T, around, name string) {
		_ = Query(around)
		if !IsSecret(name) || fuzzSecretIn(around) {
			return
		}
		raw := around + "&" + url.QueryEscape(name) + "=" + fuzzSecret + ";" + around
		if out := Query(raw); strings.Contains(out, fuzzSecret) {
			t.Fatalf("Query(%q) = %q", raw, out)
		}
	})
}

// FuzzHeader: a secret header's values never survive Header, and the
// others are kept as they are.
func FuzzHeader(f *testing.F) {
	f.Add("Authorization", "X-Request-Id", "r1")
	f.Add("X-Api-Key", "Content-Type", "application/json")
	f.Fuzz(func(t *testing.T, secretName, plainName, plainValue string) {
		h := http.Header{}
		h[secretName] = []string{fuzzSecret}
		h[plainName] = []string{plainValue}
		out := Header(h)
		if IsSecret(secretName) && out[secretName][0] != Mask {
			t.Fatalf("%q kept its value", secretName)
		}
		if plainName != secretName && !IsSecret(plainName) && out[plainName][0] != plainValue {
			t.Fatalf("%q lost its value", plainName)
		}
	})
}

func fuzzSecretIn(s string) bool { return strings.Contains(s, fuzzSecret) }
