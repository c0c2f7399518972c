package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// FuzzBody: however a secret is spelled in a body (raw, escaped as in a
// JSON string, percent-encoded, or both) and whatever surrounds it, no
// spelling of it comes out of Body; the bytes away from it are kept; a
// body that holds no spelling comes back as it is, the same slice; valid
// JSON stays valid; and Body never panics. The rolling-hash search, which
// takes over from the first one on bodies that would make it slow, is
// held to the same.
func FuzzBody(f *testing.F) {
	for _, s := range []string{"", `{"m":"`, `"}`, `\`, `\\`, `\u00`, `\u`, `%`, `%2`, "+", "\xff", `"\ud83d`, `\"`, "<p>"} {
		f.Add(s, s, uint16(0))
		f.Add(`{"error":"`+s, s+`"}`, uint16(1))
	}
	for how := range uint16(8) {
		f.Add(`{"error":"invalid token `, `","n":1}`, how|0x5a50)
	}
	f.Add(`{"a":"s3c`, `"}`, uint16(3))
	f.Add(`{"m":"`+strings.Repeat(`\u0073`, 100), `"}`, uint16(2))
	// Bodies full of escapes and quotes. TestBody_Linear holds Body to 1 MiB
	// of them; these are short, for the fuzzer minimizes each input its
	// mutations make interesting by removing every subset of its bytes in
	// turn (quadratic), and would spend its time on longer ones.
	f.Add(strings.Repeat(`\`, 64), strings.Repeat(`"`, 64), uint16(1))
	f.Add(strings.Repeat(`\"`, 32), strings.Repeat(`%`, 64), uint16(7))
	f.Add(strings.Repeat(`\u0073`, 12), strings.Repeat(`%73`, 20), uint16(6))
	f.Fuzz(func(t *testing.T, before, after string, how uint16) {
		for _, search := range []func([]byte) []byte{
			func(b []byte) []byte { return Body(b, fuzzSecret) },
			func(b []byte) []byte { return maskBody(b, []string{fuzzSecret}, true, true) },
		} {
			checkBody(t, search, []byte(before+after))
			planted := spell(fuzzSecret, how)
			in := []byte(before + planted + after)
			out := checkBody(t, search, in)
			_, inBefore := spelling([]byte(before), fuzzSecret)
			_, inAfter := spelling([]byte(after), fuzzSecret)
			if inBefore || inAfter {
				continue
			}
			// A mask reaches past the planted spelling by at most an
			// occurrence's length, each byte spelled in at most 18 bytes
			// (\u0025\u0034\u0031 is "A").
			reach := 18 * (len(fuzzSecret) + 1)
			if keep := before[:max(0, len(before)-reach)]; !bytes.HasPrefix(out, []byte(keep)) {
				t.Fatalf("Body(%q) = %q: the bytes before the secret changed", in, out)
			}
			if keep := after[min(len(after), reach):]; !bytes.HasSuffix(out, []byte(keep)) {
				t.Fatalf("Body(%q) = %q: the bytes after the secret changed", in, out)
			}
		}
	})
}

// checkBody holds search's output for in to FuzzBody's rules, and returns
// it.
func checkBody(t *testing.T, search func([]byte) []byte, in []byte) []byte {
	t.Helper()
	out := search(in)
	assertNoSpelling(t, out, fuzzSecret)
	if _, ok := spelling(in, fuzzSecret); !ok {
		if !bytes.Equal(out, in) || len(in) > 0 && &out[0] != &in[0] {
			t.Fatalf("Body(%q) = %q: no spelling of the secret, yet changed", in, out)
		}
	}
	if json.Valid(in) && !json.Valid(out) {
		t.Fatalf("Body(%q) = %q: no longer valid JSON", in, out)
	}
	return out
}

// spell writes s as a vendor may echo it. The low three bits of how choose
// the spelling; the others, which characters are escaped.
func spell(s string, how uint16) string {
	escape := func(i int) bool { return how>>(3+i%13)&1 == 1 }
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case how&7 == 0 || !escape(i):
			b.WriteByte(c)
		case how&7 == 1:
			fmt.Fprintf(&b, `\u%04x`, c)
		case how&7 == 2:
			fmt.Fprintf(&b, `\u%04X`, c)
		case how&7 == 3:
			fmt.Fprintf(&b, "%%%02X", c)
		case how&7 == 4:
			fmt.Fprintf(&b, "%%%02x", c)
		case how&7 == 5: // percent-encoded, the percent sign escaped as in JSON
			fmt.Fprintf(&b, `\u0025%02X`, c)
		case how&7 == 6: // percent-encoded, the digits escaped as in JSON
			fmt.Fprintf(&b, `%%\u%04x\u%04X`, fmt.Sprintf("%X", c>>4)[0], fmt.Sprintf("%x", c&15)[0])
		default: // each character its own way
			switch i % 3 {
			case 0:
				fmt.Fprintf(&b, `\u%04X`, c)
			case 1:
				fmt.Fprintf(&b, "%%%02x", c)
			default:
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

func fuzzSecretIn(s string) bool { return strings.Contains(s, fuzzSecret) }
