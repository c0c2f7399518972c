package telemax

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/iotapi/iotapi/internal/tokenkit"
	"golang.org/x/oauth2"
)

// Telemax token endpoints, relative to the API's base URL. Telemax has no
// refresh endpoint: a new token is requested before the old one expires.
const (
	APIKeyTokenPath = "/api/authentication/token/api-key"
	UserTokenPath   = "/api/authentication/token/user"
)

// TokenLifetime is the lifetime of a Telemax token (expires_in 86399),
// assumed when a response does not give one.
const TokenLifetime = 86399 * time.Second

// tokenFields are the response fields read as the access token.
var tokenFields = []string{"access_token", "accessToken", "token"}

// APIKeyToken returns a token source that authenticates with an API key at
// baseURL + APIKeyTokenPath, for iotapi.WithTokenSource.
//
// The request is a JSON POST {"apiKey": "..."}; the answer is a JSON object
// whose access_token (or accessToken, or token) is the token, and whose
// expires_in (seconds, possibly a float or a string: 86399) its lifetime
// (TokenLifetime when missing). A failed fetch is an *iotapi.APIError
// decoded as a Telemax error, the key redacted.
//
// hc sends the requests; if nil, ctx's oauth2.HTTPClient value, else a
// client that gives up after 10 s. Each fetch runs with the context of the call that needs the token, so it
// ends with that call; ctx's own cancellation is not kept, so a ctx that
// ends later does not fail later fetches.
func APIKeyToken(ctx context.Context, hc *http.Client, baseURL, apiKey string) oauth2.TokenSource {
	return &tokenkit.JSONSource{Client: tokenkit.HTTPClient(ctx, hc), URL: strings.TrimRight(baseURL, "/") + APIKeyTokenPath,
		Body: map[string]string{"apiKey": apiKey}, Secrets: []string{apiKey}, Vendor: Vendor, TokenFields: tokenFields,
		DefaultLifetime: TokenLifetime}
}

// UserToken returns a token source that authenticates a user at baseURL +
// UserTokenPath, for iotapi.WithTokenSource: a JSON POST {"username",
// "password"}, answered as for APIKeyToken; the password is redacted from
// any error.
func UserToken(ctx context.Context, hc *http.Client, baseURL, username, password string) oauth2.TokenSource {
	return &tokenkit.JSONSource{Client: tokenkit.HTTPClient(ctx, hc), URL: strings.TrimRight(baseURL, "/") + UserTokenPath,
		Body: map[string]string{"username": username, "password": password}, Secrets: []string{password}, Vendor: Vendor,
		TokenFields: tokenFields, DefaultLifetime: TokenLifetime}
}
