package dt

import (
	"context"
	"time"

	"github.com/iotapi/iotapi/internal/tokenkit"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenLifetime is the lifetime of a DT access token: one hour.
const TokenLifetime = time.Hour

// OAuth2 returns a token source for DT's OAuth2 token endpoint (a service
// account's client credentials), for iotapi.WithTokenSource. A failed fetch
// is an *iotapi.APIError decoded as a DT error. ctx carries the HTTP client
// for the fetches (see oauth2.HTTPClient).
func OAuth2(ctx context.Context, tokenURL, clientID, clientSecret string) oauth2.TokenSource {
	cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: tokenURL}
	return tokenkit.Decoded(tokenkit.Fetch(func() (*oauth2.Token, error) { return cfg.Token(ctx) }), Vendor, TokenLifetime)
}
