// Package redact removes credentials from what the library prints: header
// values, URL query parameters and user information.
package redact

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
)

// Mask replaces a secret value.
const Mask = "REDACTED"

// The credential vocabulary, after the conventions of the major API
// gateways and clouds: AWS (Authorization, X-Amz-Security-Token,
// X-Amz-Credential and X-Amz-Signature, AWSAccessKeyId, x-api-key on API
// Gateway), Azure (Ocp-Apim-Subscription-Key and subscription-key on API
// Management, x-functions-key and code on Functions, api-key, sig in a SAS),
// Google (key, x-goog-api-key, X-Goog-Credential and X-Goog-Signature),
// Kong and Apigee (apikey), Cloudflare (X-Auth-Key, CF-Access-Client-Secret),
// GitLab (Private-Token), Vault and Consul (X-Vault-Token, X-Consul-Token),
// webhook signatures (X-Hub-Signature, X-Shopify-Hmac-Sha256), OAuth2
// (access_token, refresh_token, id_token, client_secret, client_assertion,
// code) and sessions (Cookie, Set-Cookie, session ids). A name is compared
// in lower case with its separators ('-', '_', '.', ' ') removed, so
// X-API-Key, x_api_key, api.key and API Key are one name.

// secretParts are substrings that mark a normalized name as secret.
var secretParts = [][]byte{
	[]byte("authorization"), []byte("cookie"), []byte("token"), []byte("secret"), []byte("password"), []byte("passwd"),
	[]byte("passphrase"), []byte("passcode"), []byte("apikey"), []byte("accesskey"), []byte("session"), []byte("signature"),
	[]byte("credential"), []byte("private"), []byte("assertion"), []byte("hmac"),
}

// secretNames are whole normalized names that are secret although they
// contain none of secretParts.
var secretNames = map[string]bool{"key": true, "sig": true, "code": true, "auth": true, "pass": true, "pwd": true,
	"jwt": true, "otp": true}

// plainKeys end in "key" and carry no credential.
var plainKeys = map[string]bool{"idempotencykey": true, "xidempotencykey": true}

// plainHeaders are canonical names of common response headers that carry
// no credential, so that IsSecret answers for them with one lookup. Each is
// one that the substring rules below also find plain (a test holds them to
// it).
var plainHeaders = map[string]bool{
	"Accept-Ranges": true, "Access-Control-Allow-Origin": true, "Age": true, "Cache-Control": true,
	"Connection": true, "Content-Encoding": true, "Content-Language": true, "Content-Length": true,
	"Content-Type": true, "Date": true, "Etag": true, "Expires": true, "Last-Modified": true, "Location": true,
	"Pragma": true, "Request-Id": true, "Retry-After": true, "Server": true, "Strict-Transport-Security": true,
	"Traceparent": true, "Traceresponse": true, "Transfer-Encoding": true, "Vary": true, "Via": true,
	"X-Amz-Apigw-Id": true, "X-Amz-Cf-Id": true, "X-Amz-Cf-Pop": true, "X-Amzn-Errortype": true,
	"X-Amzn-Requestid": true, "X-Amzn-Trace-Id": true, "X-Cache": true, "X-Content-Type-Options": true,
	"X-Correlation-Id": true, "X-Frame-Options": true, "X-Kong-Proxy-Latency": true, "X-Kong-Request-Id": true,
	"X-Kong-Upstream-Latency": true, "X-Powered-By": true, "X-Ratelimit-Limit": true,
	"X-Ratelimit-Remaining": true, "X-Ratelimit-Reset": true, "X-Request-Id": true, "X-Tardis-Traceid": true,
	"X-Trace-Id": true, "X-Xss-Protection": true,
}

// IsSecret reports whether a header or query parameter called name carries a
// credential. It does not allocate for names of up to 64 bytes.
func IsSecret(name string) bool {
	if plainHeaders[name] {
		return false
	}
	return isSecret(name)
}

func isSecret(name string) bool {
	var buf [64]byte
	var norm []byte
	if len(name) <= len(buf) {
		norm = buf[:0]
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.' || c == ' ':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		norm = append(norm, c)
	}
	if secretNames[string(norm)] {
		return true
	}
	for _, p := range secretParts {
		if bytes.Contains(norm, p) {
			return true
		}
	}
	return bytes.HasSuffix(norm, []byte("key")) && !plainKeys[string(norm)]
}

// Header returns a copy of h with every secret value replaced by Mask. Like
// http.Header.Clone it makes two allocations (the map and one array for all
// values) and keeps nil values nil.
func Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	values := make([]string, n)
	out := make(http.Header, len(h))
	for name, vs := range h {
		if vs == nil {
			out[name] = nil
			continue
		}
		n := copy(values, vs)
		if IsSecret(name) {
			for i := range values[:n] {
				values[i] = Mask
			}
		}
		out[name] = values[:n:n]
		values = values[n:]
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
// keeping the order and spelling of everything else. Parameters are
// separated by '&' or ';' (some servers take either). A parameter whose
// name cannot be decoded is masked whole.
func Query(raw string) string {
	var b strings.Builder
	for raw != "" {
		i := strings.IndexAny(raw, "&;")
		param, sep := raw, ""
		if i >= 0 {
			param, sep, raw = raw[:i], raw[i:i+1], raw[i+1:]
		} else {
			raw = ""
		}
		name, _, hasValue := strings.Cut(param, "=")
		dec, err := url.QueryUnescape(name)
		switch {
		case err != nil:
			param = Mask
		case IsSecret(dec) && hasValue:
			param = name + "=" + Mask
		}
		b.WriteString(param)
		b.WriteString(sep)
	}
	return b.String()
}
