package redact

import (
	"net/url"
	"strings"
)

// Text returns s with the credentials in every URL it contains redacted
// (user information removed, secret query parameters masked, as URL does)
// and the credential after each authorization scheme ("Bearer" or
// "Basic", in any case) masked. It is for free text that may quote a URL
// or a header: the text of an error from another library, a header value.
func Text(s string) string {
	if !mayHoldCredential(s) {
		return s // most texts: no copy, no allocation
	}
	lower := asciiLower(s) // offsets in lower are offsets in s
	if !strings.Contains(lower, "://") && !hasScheme(lower) {
		return s
	}
	if !strings.ContainsAny(s, "@?=") && !hasScheme(lower) {
		return s // URLs without user information or parameters
	}
	var b strings.Builder
	for len(s) > 0 {
		i := nextSecretStart(lower)
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s, lower = s[i:], lower[i:]
		if n := schemeLen(lower); n > 0 {
			end := credentialEnd(lower, n)
			if !looksCredential(s[n:end]) {
				b.WriteString(s[:n])
				s, lower = s[n:], lower[n:]
				continue
			}
			b.WriteString(s[:n])
			b.WriteString(Mask)
			s, lower = s[end:], lower[end:]
			continue
		}
		end := urlEnd(s)
		b.WriteString(textURL(s[:end]))
		s, lower = s[end:], lower[end:]
	}
	return b.String()
}

// authSchemes are the authorization schemes whose credential Text masks,
// in lower case, with the space that follows them. The word after one is
// masked only when it looks like a credential (see looksCredential), so
// that a vendor's "no bearer token was sent" keeps its words; a credential
// the request carried is masked wherever it appears by other means.
var authSchemes = []string{"bearer ", "basic "}

// mayHoldCredential reports, without allocating, whether s has what Text
// looks for: a URL, or an authorization scheme in any case.
func mayHoldCredential(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != 'b' { // 'b' or 'B': every scheme starts with it
			continue
		}
		for _, m := range authSchemes {
			if len(s)-i >= len(m) && asciiEqualFold(s[i:i+len(m)], m) {
				return true
			}
		}
	}
	return false
}

// asciiEqualFold reports whether s equals lower, a lower-case ASCII
// string, but for the case of its ASCII letters.
func asciiEqualFold(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func hasScheme(lower string) bool {
	for _, m := range authSchemes {
		if strings.Contains(lower, m) {
			return true
		}
	}
	return false
}

// schemeLen returns the length of the authorization scheme (and the spaces
// after it) that lower starts with, or 0.
func schemeLen(lower string) int {
	for _, m := range authSchemes {
		if strings.HasPrefix(lower, m) {
			n := len(m)
			for n < len(lower) && lower[n] == ' ' {
				n++
			}
			return n
		}
	}
	return 0
}

// credentialEnd returns where the credential that starts at from ends: past
// further scheme words ("Bearer Bearer x": x is the credential), at white
// space or a quote.
func credentialEnd(lower string, from int) int {
	for {
		n := schemeLen(lower[from:])
		if n == 0 {
			break
		}
		from += n
	}
	return from + stopAt(lower[from:])
}

// nextSecretStart returns where the next URL or credential starts in lower,
// or -1.
func nextSecretStart(lower string) int {
	best := -1
	for _, marker := range authSchemes {
		if i := strings.Index(lower, marker); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	for off := 0; ; {
		i := strings.Index(lower[off:], "://")
		if i < 0 {
			break
		}
		i += off
		start := i
		for start > 0 && isSchemeByte(lower[start-1]) {
			start--
		}
		if start < i { // a scheme before "://": a URL
			if best < 0 || start < best {
				best = start
			}
			break
		}
		off = i + 3
	}
	return best
}

// looksCredential reports whether a word after an authorization scheme
// could be its credential rather than prose: at least 8 characters, with a
// digit, a symbol, or an upper-case letter past the first.
func looksCredential(w string) bool {
	if len(w) < 8 {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case 'a' <= c && c <= 'z':
		case 'A' <= c && c <= 'Z':
			if i > 0 {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// urlEnd returns the length of the URL at the start of s.
func urlEnd(s string) int { return stopAt(s) }

// stopAt returns the index of the first white space or quote in s, or its
// length.
func stopAt(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`':
			return i
		}
	}
	return len(s)
}

// asciiLower lowercases ASCII letters only, so offsets are kept. It
// copies s only when s has an upper-case letter.
func asciiLower(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' })
	if i < 0 {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isSchemeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}

// textURL redacts one URL found in text; one that does not parse is kept
// up to its host only.
func textURL(raw string) string {
	trimmed := strings.TrimRight(raw, ".,;:)]}")
	tail := raw[len(trimmed):]
	if !strings.ContainsAny(trimmed, "@?=") {
		return raw // no user information, query or parameters: nothing to redact
	}
	u, err := url.Parse(trimmed)
	if err != nil || u.Host == "" {
		scheme, rest, _ := strings.Cut(trimmed, "://")
		host, _, _ := strings.Cut(rest, "/")
		if _, h, ok := strings.Cut(host, "@"); ok {
			host = h
		}
		host, _, _ = strings.Cut(host, "?")
		return scheme + "://" + host + "/" + Mask + tail
	}
	out := URL(u)
	if f := u.EscapedFragment(); f != "" && !strings.ContainsAny(f, "=&") {
		out += "#" + f // a plain anchor; a fragment of parameters can carry a token
	}
	return out + tail
}
