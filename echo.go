package iotapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/iotapi/iotapi/internal/redact"
)

// redactEchoes removes from e what a vendor may echo of the request's
// credentials, wherever it echoes them: every value the request sent as a
// credential (its Authorization, Cookie and API-key headers, its secret
// query parameters, its user information), and in text fields and header
// values, credentials in URLs and after "Bearer".
func (e *APIError) redactEchoes(req *http.Request) {
	if req != nil {
		e.Redact(appendRequestSecrets(nil, req)...)
	}
	e.mapText(redact.Text)
}

// appendRequestSecrets appends the credentials a request carries to out:
// the values of its secret headers (and the credential of an
// Authorization or Proxy-Authorization scheme, and each cookie's value),
// of its secret query parameters, and its user information.
func appendRequestSecrets(out []string, req *http.Request) []string {
	for name, vs := range req.Header {
		if !redact.IsSecret(name) {
			continue
		}
		for _, v := range vs {
			out = append(out, v)
			if _, cred, ok := strings.Cut(v, " "); ok { // "Bearer xyz": xyz
				out = append(out, strings.TrimSpace(cred))
			}
			if strings.EqualFold(name, "Cookie") {
				for _, c := range strings.Split(v, ";") {
					if _, val, ok := strings.Cut(c, "="); ok {
						out = append(out, strings.TrimSpace(val))
					}
				}
			}
		}
	}
	u := req.URL
	if u == nil {
		return out
	}
	if u.User != nil {
		out = append(out, u.User.Username())
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	for _, param := range strings.FieldsFunc(u.RawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
		name, value, ok := strings.Cut(param, "=")
		if !ok || value == "" {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil && redact.IsSecret(n) {
			if v, err := url.QueryUnescape(value); err == nil {
				out = append(out, v)
			}
			out = append(out, value) // as sent, escaped
		}
	}
	return out
}
