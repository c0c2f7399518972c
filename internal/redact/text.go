package redact

import (
	"net/url"
	"strings"
)

// Text returns s with the credentials in every URL it contains redacted
// (user information removed, secret query parameters masked, as URL does)
// and the credential after each "Bearer " or "Basic " masked. It is for
// free text that may quote a URL or a header: the text of an error from
// another library.
func Text(s string) string {
	if !strings.Contains(s, "://") && !strings.Contains(s, "Bearer ") && !strings.Contains(s, "Basic ") {
		return s
	}
	if !strings.ContainsAny(s, "@?=") && !strings.Contains(s, "Bearer ") && !strings.Contains(s, "Basic ") {
		return s // URLs without user information or parameters
	}
	var b strings.Builder
	for len(s) > 0 {
		i := nextSecretStart(s)
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		end := tokenEnd(s)
		word := s[:end]
		s = s[end:]
		switch {
		case strings.HasPrefix(word, "Bearer ") || strings.HasPrefix(word, "Basic "):
			scheme, _, _ := strings.Cut(word, " ")
			b.WriteString(scheme + " " + Mask)
		default:
			b.WriteString(textURL(word))
		}
	}
	return b.String()
}

// nextSecretStart returns where the next URL or credential starts in s, or -1.
func nextSecretStart(s string) int {
	best := -1
	for _, marker := range []string{"Bearer ", "Basic "} {
		if i := strings.Index(s, marker); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if i := strings.Index(s, "://"); i >= 0 {
		start := i
		for start > 0 && isSchemeByte(s[start-1]) {
			start--
		}
		if start < i && (best < 0 || start < best) {
			best = start
		}
	}
	return best
}

// tokenEnd returns the length of the URL or credential at the start of s:
// up to white space or a quote, past the scheme's space for a credential.
func tokenEnd(s string) int {
	from := 0
	if strings.HasPrefix(s, "Bearer ") || strings.HasPrefix(s, "Basic ") {
		from = strings.IndexByte(s, ' ') + 1
	}
	for i := from; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`':
			return i
		}
	}
	return len(s)
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
