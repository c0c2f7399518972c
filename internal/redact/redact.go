// Package redact removes credentials from what the library prints: header
// values, URL query parameters and user information.
package redact

import (
	"net/http"
	"net/url"
	"strings"
)

// Mask replaces a secret value.
const Mask = "REDACTED"

// secretParts are substrings that mark a header or parameter name as secret.
var secretParts = []string{
	"authorization", "cookie", "token", "secret", "password", "passwd",
	"apikey", "api-key", "api_key", "session", "signature", "credential",
	"private",
}

// secretNames are whole names that are secret although they contain none of
// secretParts.
var secretNames = map[string]bool{"key": true, "sig": true, "code": true, "auth": true, "pass": true}

// IsSecret reports whether a header or query parameter called name carries a
// credential.
func IsSecret(name string) bool {
	n := strings.ToLower(name)
	if secretNames[n] {
		return true
	}
	for _, p := range secretParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// Header returns a copy of h with every secret value replaced by Mask.
func Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := h.Clone()
	for name, vs := range out {
		if IsSecret(name) {
			for i := range vs {
				vs[i] = Mask
			}
		}
	}
	return out
}

// URL returns u as text with its user information removed and the value of
// every secret query parameter replaced by Mask. A nil URL is "".
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = Query(c.RawQuery)
	}
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// Query returns a raw query string with secret values replaced by Mask,
// keeping the order and spelling of everything else. A parameter whose name
// cannot be decoded is masked whole.
func Query(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		dec, err := url.QueryUnescape(name)
		switch {
		case err != nil:
			parts[i] = Mask
		case IsSecret(dec) && hasValue:
			parts[i] = name + "=" + Mask
		}
	}
	return strings.Join(parts, "&")
}
