package iotapitest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TokenEndpoint fakes a vendor's token endpoint, taking the requests the
// vendor packages' token sources send and answering in the vendor's shape:
//
//	vendor       request                                                    answer
//	tellus       form POST …/v1/operator/oauth/token: grant_type=client_credentials, client_id, client_secret
//	                                                                        {"access_token","token_type","expires_in":86400}
//	dt, tiot     form POST grant_type=client_credentials, client id and secret in HTTP Basic auth
//	                                                                        {"access_token","token_type","expires_in"}
//	telemax      JSON POST …/token/api-key {"apiKey"} or …/token/user {"username","password"}
//	                                                                        {"access_token","token_type","expires_in":86399.0}
//	endpointmgr  JSON POST …/api/v1/authenticate {"application_token"}       {"auth_token"} (valid 240 minutes)
//
// A request of another shape is answered 400, one without credentials
// 401 in the vendor's words. Protect puts an API behind the endpoint: it
// answers 401 as the vendor does to a request without a token issued here,
// or with an expired one. Fail makes the endpoint fail every request
// (rate-limited, down, wrong credentials) until Recover.
//
// A TokenEndpoint is an http.Handler: serve it with httptest.NewServer. It
// is safe for concurrent use.
type TokenEndpoint struct {
	vendor string

	mu       sync.Mutex
	lifetime time.Duration
	failure  *Response
	issued   map[string]time.Time // token → expiry
	requests int
	now      func() time.Time
}

// tokenLifetimes are the vendors' documented token lifetimes.
var tokenLifetimes = map[string]time.Duration{
	"tellus":      24 * time.Hour,
	"telemax":     86399 * time.Second,
	"tiot":        5 * time.Minute,
	"dt":          time.Hour,
	"endpointmgr": 240 * time.Minute,
}

// NewTokenEndpoint returns a fake token endpoint for vendor ("tellus",
// "telemax", "tiot", "dt" or "endpointmgr"), issuing tokens with the
// vendor's documented lifetime. It panics for another vendor.
func NewTokenEndpoint(vendor string) *TokenEndpoint {
	life, ok := tokenLifetimes[vendor]
	if !ok {
		panic(fmt.Sprintf("iotapitest: no token endpoint for vendor %q", vendor))
	}
	return &TokenEndpoint{vendor: vendor, lifetime: life, issued: map[string]time.Time{}, now: time.Now}
}

// SetLifetime sets the lifetime of the tokens issued from now on.
func (te *TokenEndpoint) SetLifetime(d time.Duration) {
	te.mu.Lock()
	te.lifetime = d
	te.mu.Unlock()
}

// Fail makes the endpoint answer every request with resp until Recover:
// MustLookup("tellus", "5001_too_many_requests").WithHeader("Retry-After",
// "30") for a rate limit, the vendor's invalid-credentials answer, a 500.
func (te *TokenEndpoint) Fail(resp Response) {
	te.mu.Lock()
	te.failure = &resp
	te.mu.Unlock()
}

// Recover makes the endpoint issue tokens again.
func (te *TokenEndpoint) Recover() {
	te.mu.Lock()
	te.failure = nil
	te.mu.Unlock()
}

// Expire makes every token issued so far expired, as when the vendor
// revokes them.
func (te *TokenEndpoint) Expire() {
	te.mu.Lock()
	for tok := range te.issued {
		te.issued[tok] = time.Time{}
	}
	te.mu.Unlock()
}

// Requests returns how many requests the endpoint has received.
func (te *TokenEndpoint) Requests() int {
	te.mu.Lock()
	defer te.mu.Unlock()
	return te.requests
}

// Issued returns how many tokens the endpoint has issued.
func (te *TokenEndpoint) Issued() int {
	te.mu.Lock()
	defer te.mu.Unlock()
	return len(te.issued)
}

// ServeHTTP answers a token request.
func (te *TokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	te.mu.Lock()
	te.requests++
	failure := te.failure
	te.mu.Unlock()
	if failure != nil {
		failure.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodPost {
		JSON(http.StatusMethodNotAllowed, `{"error":"method_not_allowed"}`).ServeHTTP(w, r)
		return
	}
	if problem, status := te.check(r, body); problem != "" {
		if status == http.StatusUnauthorized {
			te.unauthenticated(false).ServeHTTP(w, r)
			return
		}
		JSON(status, fmt.Sprintf(`{"error":"invalid_request","error_description":%q}`, problem)).ServeHTTP(w, r)
		return
	}
	JSON(http.StatusOK, te.issue()).ServeHTTP(w, r)
}

// check returns what is wrong with a token request, and the status that
// says so.
func (te *TokenEndpoint) check(r *http.Request, body []byte) (problem string, status int) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch te.vendor {
	case "tellus", "dt", "tiot":
		if ct != "application/x-www-form-urlencoded" {
			return "want a form", http.StatusBadRequest
		}
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("grant_type") != "client_credentials" {
			return "want grant_type=client_credentials", http.StatusBadRequest
		}
		if te.vendor == "tellus" {
			if !strings.HasSuffix(r.URL.Path, "/v1/operator/oauth/token") {
				return "no such endpoint", http.StatusNotFound
			}
			if form.Get("client_id") == "" || form.Get("client_secret") == "" {
				return "no client credentials", http.StatusUnauthorized
			}
			return "", 0
		}
		if id, secret, ok := r.BasicAuth(); !ok || id == "" || secret == "" {
			return "no client credentials in the Authorization header", http.StatusUnauthorized
		}
		return "", 0
	}
	if ct != "application/json" {
		return "want JSON", http.StatusBadRequest
	}
	var fields map[string]string
	if json.Unmarshal(body, &fields) != nil {
		return "want a JSON object of strings", http.StatusBadRequest
	}
	var want []string
	switch {
	case te.vendor == "endpointmgr" && strings.HasSuffix(r.URL.Path, "/api/v1/authenticate"):
		want = []string{"application_token"}
	case te.vendor == "telemax" && strings.HasSuffix(r.URL.Path, "/api/authentication/token/api-key"):
		want = []string{"apiKey"}
	case te.vendor == "telemax" && strings.HasSuffix(r.URL.Path, "/api/authentication/token/user"):
		want = []string{"username", "password"}
	default:
		return "no such endpoint", http.StatusNotFound
	}
	for _, f := range want {
		if fields[f] == "" {
			return "no " + f, http.StatusUnauthorized
		}
	}
	return "", 0
}

// issue makes a token and returns the answer carrying it.
func (te *TokenEndpoint) issue() string {
	te.mu.Lock()
	defer te.mu.Unlock()
	tok := fmt.Sprintf("%s-token-%d", te.vendor, len(te.issued)+1)
	te.issued[tok] = te.now().Add(te.lifetime)
	secs := int(te.lifetime / time.Second)
	switch te.vendor {
	case "endpointmgr":
		return fmt.Sprintf(`{"auth_token":%q}`, tok)
	case "telemax":
		return fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer","expires_in":%d.0}`, tok, secs)
	}
	return fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, tok, secs)
}

// Protect returns a handler that serves next only to requests carrying a
// valid token issued by te (Authorization: Bearer …), and answers others
// as the vendor does: its token-expired answer for an expired token, its
// unauthenticated one for a missing or unknown token.
func (te *TokenEndpoint) Protect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		te.mu.Lock()
		expiry, known := te.issued[tok]
		now := te.now()
		te.mu.Unlock()
		switch {
		case !known:
			te.unauthenticated(false).ServeHTTP(w, r)
		case !now.Before(expiry):
			te.unauthenticated(true).ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// unauthenticated is the vendor's own answer to a missing or unknown
// token, or (expired) to an expired one.
func (te *TokenEndpoint) unauthenticated(expired bool) Response {
	names := map[string][2]string{ // unknown, expired
		"tellus":      {"2001_unauthenticated", "2002_token_expired"},
		"telemax":     {"token_malformed", "token_expired"},
		"tiot":        {"401_unauthorized", "401_unauthorized"},
		"dt":          {"401", "401"},
		"endpointmgr": {"1102_invalidtoken", "1103_tokenexpired"},
	}[te.vendor]
	name := names[0]
	if expired {
		name = names[1]
	}
	return MustLookup(te.vendor, name)
}
