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
// baseURL + APIKeyTokenPath, for iotapi.WithTokenSource. expires_in may be
// a float. A failed fetch is an *iotapi.APIError decoded as a Telemax error.
// hc sends the token requests (http.DefaultClient if nil).
func APIKeyToken(ctx context.Context, hc *http.Client, baseURL, apiKey string) oauth2.TokenSource {
	return &tokenkit.JSONSource{Context: ctx, Client: hc, URL: strings.TrimRight(baseURL, "/") + APIKeyTokenPath,
		Body: map[string]string{"apiKey": apiKey}, Vendor: Vendor, TokenFields: tokenFields, DefaultLifetime: TokenLifetime}
}

// UserToken returns a token source that authenticates a user at baseURL +
// UserTokenPath, for iotapi.WithTokenSource.
func UserToken(ctx context.Context, hc *http.Client, baseURL, username, password string) oauth2.TokenSource {
	return &tokenkit.JSONSource{Context: ctx, Client: hc, URL: strings.TrimRight(baseURL, "/") + UserTokenPath,
		Body: map[string]string{"username": username, "password": password}, Vendor: Vendor, TokenFields: tokenFields,
		DefaultLifetime: TokenLifetime}
}
