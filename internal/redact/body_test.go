package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// A token of the characters JSON and URL encoders escape.
const tok = "ab/cd+ef=="

func TestBody(t *testing.T) {
	marshal := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	for _, c := range []struct {
		name, secret, body, want string
	}{
		{"raw", tok, `{"m":"bad ab/cd+ef== x"}`, `{"m":"bad REDACTED x"}`},
		{`\/ (PHP, Java)`, tok, `{"m":"bad ab\/cd+ef== x"}`, `{"m":"bad REDACTED x"}`},
		{`\u00XX for every character`, tok, `{"m":"\u0061\u0062\u002f\u0063\u0064\u002b\u0065\u0066\u003d\u003d"}`, `{"m":"REDACTED"}`},
		{`\u00XX, hex in mixed case`, tok, `{"m":"[ab\u002Fcd\u002bef\u003D\u003d]"}`, `{"m":"[REDACTED]"}`},
		{`\u escapes of <, >, & (Go's encoder)`, "<ab&cd>9z", `{"m":` + marshal("token <ab&cd>9z!") + `}`, `{"m":"token REDACTED!"}`},
		{"surrogate pair", "key-\U0001F600-42", `{"m":"key-\ud83d\ude00-42 is bad"}`, `{"m":"REDACTED is bad"}`},
		{"surrogate pair, upper-case hex", "key-\U0001F600-42", `{"m":"key-\uD83D\uDE00-42"}`, `{"m":"REDACTED"}`},
		{`\" and \\ inside the secret`, `a"b\c-9z`, `{"m":` + marshal(`x a"b\c-9z y`) + `}`, `{"m":"x REDACTED y"}`},
		{`\" and \\ as \u`, `a"b\c-9z`, `{"m":"a\u0022b\u005cc-9z"}`, `{"m":"REDACTED"}`},
		{"the secret starts and ends inside escapes", tok, `{"m":"x\u0061b/cd+ef=\u003d."}`, `{"m":"xREDACTED."}`},
		{"the secret starts inside an escaped character's bytes", "\xa9-tail9", `{"m":"caf\u00e9-tail9"}`, `{"m":"cafREDACTED"}`},
		{"the secret ends inside a surrogate pair's bytes", "x-9z\xf0\x9f", `{"m":"x-9z\ud83d\ude00!"}`, `{"m":"REDACTED!"}`},
		{"percent-encoded, upper-case hex", tok, `<a href="/cb?state=ab%2Fcd%2Bef%3D%3D&x=1">`, `<a href="/cb?state=REDACTED&x=1">`},
		{"percent-encoded, lower-case hex", tok, `state=ab%2fcd%2bef%3d%3d`, `state=REDACTED`},
		{"url.QueryEscape with a space", "my key/9 z", "q=" + url.QueryEscape("my key/9 z") + "&x", "q=REDACTED&x"},
		{"url.PathEscape with a space", "my key/9 z", "/v1/" + url.PathEscape("my key/9 z") + "/x", "/v1/REDACTED/x"},
		{"percent-encoded in a JSON string", tok, `{"url":"https:\/\/x.test\/cb?t=ab%2Fcd%2Bef%3D%3D"}`, `{"url":"https:\/\/x.test\/cb?t=REDACTED"}`},
		{`percent-encoded, then \-escaped`, "a&b c/d", `{"m":"` + `a\u0026b%20c%2Fd` + `"}`, `{"m":"REDACTED"}`},
		{`% as \u0025`, tok, `{"m":"ab\u00252Fcd\u00252Bef=="}`, `{"m":"REDACTED"}`},
		{"twice, spelled two ways", tok, `{"a":"ab\/cd+ef==","b":"ab%2Fcd%2Bef%3D%3D or ab/cd+ef=="}`, `{"a":"REDACTED","b":"REDACTED or REDACTED"}`},
		{"not JSON", tok, "<p>token ab\\/cd+ef== was refused</p>", "<p>token REDACTED was refused</p>"},
		{"truncated JSON", tok, `{"error":"invalid token ab\/cd+ef== (expi`, `{"error":"invalid token REDACTED (expi`},
		{"an unterminated string", tok, `"ab\u002fcd+ef==`, `"REDACTED`},
		{"a number", "12345678", `{"pin":12345678,"n":1}`, `{"pin":"REDACTED","n":1}`},
		{"inside a number", "2345", `[123456,7]`, `["REDACTED",7]`},
		{"across strings", `9z","b`, `{"a":"x-9z","b":1}`, `{"a":"x-REDACTED","REDACTED":1}`},
		{"only punctuation, masked in place", `"},{"`, `[{"a":"x"},{"b":2}]`, `[{"a":"xREDACTEDb":2}]`},
		{`\\/ is a backslash and a slash`, tok, `{"m":"ab\\/cd+ef=="}`, `{"m":"ab\\/cd+ef=="}`},
		{`\\u002f is not an escape`, tok, `{"m":"ab\\u002fcd+ef=="}`, `{"m":"ab\\u002fcd+ef=="}`},
		{"a truncated escape", tok, `{"m":"ab\u002`, `{"m":"ab\u002`},
		{"a lone surrogate", "\uFFFD-9z!", `{"m":"\ud800-9z!"}`, `{"m":"REDACTED"}`},
		{"invalid UTF-8 around", tok, "\xff\xfeab\\/cd+ef==\xc3", "\xff\xfeREDACTED\xc3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.body)
			out := Body(in, c.secret)
			assert.Equal(t, c.want, string(out))
			assert.Equal(t, c.want, string(maskBody(in, []string{c.secret}, true, true)), "with the rolling hash")
			assert.Equal(t, c.body, string(in), "the body is not modified")
			assertNoSpelling(t, out, c.secret)
			if json.Valid(in) && c.name != "only punctuation, masked in place" {
				assert.True(t, json.Valid(out), "valid JSON stays valid: %s", out)
				var v any
				assert.NoError(t, json.Unmarshal(out, &v))
			}
		})
	}
}

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"invalid token ab/cd+ef==":                           "invalid token REDACTED",
		"see https://docs.test/401?t=ab%2Fcd%2Bef%3D%3D&x=1": "see https://docs.test/401?t=REDACTED&x=1",
		`upstream said {"token":"ab\/cd+ef=="}`:              `upstream said {"token":"REDACTED"}`,
		`"ab\u002fcd+ef=="`:                                  `"REDACTED"`,
		"ab/cd+ef== and ab%2fcd%2bef%3d%3d":                  "REDACTED and REDACTED",
		`no secret: ab%2Fcd, \/, +`:                          `no secret: ab%2Fcd, \/, +`,
	} {
		assert.Equal(t, want, String(in, tok), in)
	}
	assert.Equal(t, "REDACTED", String("12345678", "12345678"), "in place, JSON or not")
	assert.Equal(t, "abc", String("abc", ""))
	assert.Zero(t, testing.AllocsPerRun(20, func() { String("a text without escapes", tok) }))
	assert.Equal(t, `a text with escapes: %2F \/`, String(`a text with escapes: %2F \/`, tok))
}

// Several secrets are masked in one copy of the body, overlapping ones
// as one.
func TestBody_SeveralSecrets(t *testing.T) {
	body := `{"auth":"Bearer ab\/cd+ef==","key":"k%2D123456","n":1}`
	assert.Equal(t, `{"auth":"REDACTED","key":"REDACTED","n":1}`, string(Body([]byte(body), "Bearer "+tok, tok, "k-123456", "")))
	assert.Equal(t, "Authorization: REDACTED", String("Authorization: Bearer ab/cd+ef==", tok, "Bearer "+tok))
	b := []byte(body)
	assert.Zero(t, testing.AllocsPerRun(20, func() { Body(b, "absent-1", "absent-2", "absent-3") }))
}

// Bodies that hold no spelling of the secret come back as they are: the
// same slice, with no allocation.
func TestBody_Unchanged(t *testing.T) {
	for _, body := range []string{
		"",
		"plain text",
		`{"m":"ab\/cd+ef=! \u003c\u0026\n","u":"https:\/\/x.test\/?a=ab%2Fcd%2Bef%3D&b=+"}`,
		`{"m":"ab/cd+ef="}`,
		"ab%2Fcd%2Bef%3D%3 ab%2Fcd%2Bef%3D%G3 ab%%2Fcd",
		`\\\\\\\\\\\\\\\\\\\"""""""%%%%%%+++`,
		`"\ud800\udc00\u12\u`,
		strings.Repeat(`ab\/cd+ef=`, 1000),
	} {
		in := []byte(body)
		out := Body(in, tok)
		assert.Equal(t, body, string(out))
		if len(in) > 0 {
			assert.Same(t, &in[0], &out[0], "the same slice")
		}
		assert.Zero(t, testing.AllocsPerRun(20, func() { Body(in, tok) }), "%.40q", body)
		long := strings.Repeat("x", 200) // past any stack buffer
		assert.Zero(t, testing.AllocsPerRun(20, func() { Body(in, long) }), "a long secret, %.40q", body)
	}
	assert.Nil(t, Body(nil, tok))
	assert.Equal(t, []byte("ab/cd"), Body([]byte("ab/cd"), ""), "no secret")
}

// Body's time is linear in the body: bodies of 1 MiB made to slow a
// naive search (escapes everywhere, quotes, the secret's first bytes over
// and over) take milliseconds; a quadratic search would take minutes.
func TestBody_Linear(t *testing.T) {
	const size = 1 << 20
	prefix := fuzzSecret[:len(fuzzSecret)-1]
	escaped := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		return b.String()
	}
	for name, unit := range map[string]string{
		"backslashes":              `\`,
		"escaped backslashes":      `\\`,
		"quotes":                   `"`,
		"escaped quotes":           `\"`,
		"percents":                 `%`,
		"plus signs":               `+`,
		"the secret's prefix, raw": prefix,
		`the secret's prefix, \u`:  escaped(prefix),
		"the secret's prefix, %XX": strings.ReplaceAll(url.PathEscape(prefix), "-", "%2D"),
		"its first byte escaped":   `\u0073`,
		"surrogate halves":         `\ud83d`,
		"the secret, escaped":      escaped(fuzzSecret) + " ",
	} {
		body := []byte(strings.Repeat(unit, size/len(unit)))
		for _, secret := range []string{fuzzSecret, strings.Repeat("s", 4000), "a b" + fuzzSecret} {
			start := time.Now()
			out := Body(body, secret)
			took := time.Since(start)
			assert.Less(t, took, 5*time.Second, "%s, a secret of %d bytes", name, len(secret))
			if secret == fuzzSecret {
				assertNoSpelling(t, out, secret)
			}
		}
	}
}

// assertNoSpelling fails unless no spelling of secret is in b (see
// spelling).
func assertNoSpelling(t testing.TB, b []byte, secret string) {
	t.Helper()
	if where, ok := spelling(b, secret); ok {
		t.Fatalf("%s of %.300q holds the secret %q", where, b, secret)
	}
}

// spelling reports whether a reader of b could read secret in it, and
// where: in b itself; in its JSON-unescaped text (each backslash escape
// decoded, in or out of a string); in the content of a JSON string literal,
// decoded by encoding/json when it is valid; or in the URL-unescaped forms
// of b and of its JSON-unescaped text, with '+' kept and with '+' for a
// space. It is a reference written for the tests: simple, and slow.
func spelling(b []byte, secret string) (where string, ok bool) {
	raw := string(b)
	unescaped := jsonUnescape(raw)
	for _, v := range []struct{ where, text string }{
		{"the body", raw},
		{"its JSON-unescaped text", unescaped},
		{"its URL-unescaped text", urlUnescape(raw, false)},
		{"its URL-unescaped text, + as a space", urlUnescape(raw, true)},
		{"its JSON- then URL-unescaped text", urlUnescape(unescaped, false)},
		{"its JSON- then URL-unescaped text, + as a space", urlUnescape(unescaped, true)},
	} {
		if strings.Contains(v.text, secret) {
			return v.where, true
		}
	}
	for i, lit := range literals(raw) {
		if !strings.Contains(lit, `\`) {
			continue // its raw text was searched
		}
		var s string
		if err := json.Unmarshal([]byte(`"`+lit+`"`), &s); err != nil {
			s = jsonUnescape(lit)
		}
		if strings.Contains(s, secret) {
			return fmt.Sprintf("string literal %d", i), true
		}
	}
	return "", false
}

// literals returns the contents of the string literals of s: from each
// quote to the next that no backslash escapes, or to the end.
func literals(s string) []string {
	var lits []string
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return lits
		}
		s = s[i+1:]
		j := 0
		for j < len(s) && s[j] != '"' {
			if s[j] == '\\' {
				j++
			}
			j++
		}
		j = min(j, len(s))
		lits = append(lits, s[:j])
		s = s[min(j+1, len(s)):]
	}
}

// jsonUnescape decodes the backslash escapes of s as encoding/json does
// inside a string, and keeps the bytes of an invalid one.
func jsonUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if j := strings.IndexByte(`"\/bfnrt`, s[i+1]); j >= 0 {
			b.WriteByte("\"\\/\b\f\n\r\t"[j])
			i++
			continue
		}
		r, ok := u4(s, i)
		if !ok {
			b.WriteByte(s[i])
			continue
		}
		i += 5
		if utf16.IsSurrogate(r) {
			r2, ok := u4(s, i+1)
			if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
				r = d
				i += 6
			} else {
				r = utf8.RuneError
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// u4 reads \uXXXX at s[i:].
func u4(s string, i int) (rune, bool) {
	if i+6 > len(s) || s[i] != '\\' || s[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i+2 : i+6]) {
		d := hexDigit(c)
		if d < 0 {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// hexDigit returns the value of the hex digit c, or -1.
func hexDigit(c byte) int {
	return strings.IndexByte("0123456789abcdef", c|0x20)
}

// urlUnescape decodes the percent escapes of s, keeping an invalid one as
// it is, and with plus, '+' as a space.
func urlUnescape(s string, plus bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '+' && plus:
			b.WriteByte(' ')
		case s[i] == '%' && i+3 <= len(s) && hexDigit(s[i+1]) >= 0 && hexDigit(s[i+2]) >= 0:
			b.WriteByte(byte(hexDigit(s[i+1])<<4 | hexDigit(s[i+2])))
			i += 2
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// The success path's cost: Redact runs on failures only, but over every
// failure's body, with each of the request's secrets.
func BenchmarkBody(b *testing.B) {
	doc := map[string]any{
		"error":   "invalid_request",
		"message": "The request <id=42> & its token were refused.\nSee the docs.",
		"help":    "https://docs.vendor.test/errors/401?lang=en&ref=a%2Fb%20c",
		"details": []map[string]string{{"field": "scope", "message": "needs read/write"}},
	}
	var goJSON, phpJSON bytes.Buffer // as Go's encoder writes it; and with PHP's escaped slashes too
	for goJSON.Len() < 4<<10 {
		line, _ := json.Marshal(doc)
		goJSON.Write(line)
		goJSON.WriteByte('\n')
		phpJSON.Write(bytes.ReplaceAll(line, []byte("/"), []byte(`\/`)))
		phpJSON.WriteByte('\n')
	}
	escapedJSON := phpJSON.Bytes()[:4<<10]
	plain := bytes.Repeat([]byte("The vendor refused the request: its token is not valid. "), 80)[:4<<10]
	echo := `{"m":"ab\/cd+ef==","u":"x?t=ab%2Fcd%2Bef%3D%3D"}`
	withSecret := append(bytes.Clone(escapedJSON[:2<<10]), echo...)
	withSecret = append(withSecret, escapedJSON[2<<10:4<<10-len(echo)]...)
	for _, c := range []struct {
		name string
		body []byte
	}{
		{"4KiB JSON, no secret", goJSON.Bytes()[:4<<10]},
		{"4KiB JSON with escaped slashes, no secret", escapedJSON},
		{"4KiB plain text, no secret", plain},
		{"4KiB JSON with escaped slashes, the secret twice", withSecret},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for range b.N {
				Body(c.body, tok)
			}
		})
	}
}

// Secrets of the characters that escapes stand for, one or two at a time,
// spelled every way among fragments of JSON, URLs and escapes: FuzzBody's
// rules hold.
func TestBody_Random(t *testing.T) {
	secrets := []string{tok, `a"b\c-9z`, "my key/9 z", "100%x+y", "ké-\U0001F600-9", "\\u0041bc", "%41%42x", "12345678", "a b+c"}
	fragments := []string{`"`, `\`, `{`, `}`, `:`, `,`, `[`, `]`, " ", "%", "+", "u00", "2", "F", "a", "b", "s", "9", `\u`, `\"`, `\\`, "%2", "é", "\xff"}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		var b strings.Builder
		some := []string{secrets[rnd.IntN(len(secrets))]}
		if rnd.IntN(3) == 0 {
			some = append(some, secrets[rnd.IntN(len(secrets))])
		}
		for _, secret := range some {
			for range rnd.IntN(4) {
				b.WriteString(fragments[rnd.IntN(len(fragments))])
			}
			if rnd.IntN(8) > 0 {
				b.WriteString(spellRunes(secret, rnd))
			}
		}
		for range rnd.IntN(4) {
			b.WriteString(fragments[rnd.IntN(len(fragments))])
		}
		in := []byte(b.String())
		if rnd.IntN(4) == 0 { // as a JSON document
			in, _ = json.Marshal(map[string]any{"m": b.String(), "n": 12345678})
		}
		for _, rolling := range []bool{false, true} {
			out := maskBody(in, some, true, rolling)
			spelled := false
			for _, secret := range some {
				if where, ok := spelling(out, secret); ok {
					t.Fatalf("%d: maskBody(%q, %q, rolling %v) = %q: %s holds %q", i, in, some, rolling, out, where, secret)
				}
				_, ok := spelling(in, secret)
				spelled = spelled || ok
			}
			if !spelled && (!bytes.Equal(out, in) || len(in) > 0 && &out[0] != &in[0]) {
				t.Fatalf("%d: maskBody(%q, %q, rolling %v) = %q: no spelling, yet changed", i, in, some, rolling, out)
			}
			if json.Valid(in) && !json.Valid(out) {
				t.Fatalf("%d: maskBody(%q, %q, rolling %v) = %q: no longer valid JSON", i, in, some, rolling, out)
			}
		}
	}
}

// spellRunes writes s with each character raw, escaped as in JSON (hex in
// either case, a surrogate pair beyond the BMP) or percent-encoded (hex in
// either case), chosen at random; or url.QueryEscape'd; or QueryEscape'd,
// then escaped as Go's encoder does.
func spellRunes(s string, rnd *rand.Rand) string {
	switch rnd.IntN(5) {
	case 0:
		return url.QueryEscape(s)
	case 1:
		j, _ := json.Marshal(url.PathEscape(s))
		return string(j[1 : len(j)-1])
	}
	var b strings.Builder
	for _, r := range s {
		hex := "%04x"
		if rnd.IntN(2) == 0 {
			hex = "%04X"
		}
		switch rnd.IntN(3) {
		case 0:
			b.WriteRune(r)
		case 1:
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				fmt.Fprintf(&b, `\u`+hex+`\u`+hex, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u`+hex, r)
			}
		default:
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&b, "%%%02"+hex[3:], c)
			}
		}
	}
	return b.String()
}

// A long secret and one escape after a run of its first bytes: the work
// stays linear in the secret's length too (it grew with its square: 6.7 s
// for a secret of 32,000 bytes). A liveness bound, not a timing.
func TestBody_LinearInTheSecret(t *testing.T) {
	const m = 64000
	secret := strings.Repeat("s", m) + "t"
	body := []byte(`{"m":"` + strings.Repeat("s", m-1) + `\u0073!"}`)
	start := time.Now()
	out := Body(body, secret)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, body, out, "the secret is not there")
}
