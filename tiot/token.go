package tiot

import (
	"context"
	"time"

	"github.com/iotapi/iotapi/internal/tokenkit"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenLifetime is the lifetime of a T IoT access token: five minutes.
const TokenLifetime = 5 * time.Minute

// OAuth2 returns a token source for T IoT's OAuth2 client-credentials
// grant (Application Access Management), for iotapi.WithTokenSource. A
// failed fetch is an *iotapi.APIError decoded as a T IoT error. ctx carries
// the HTTP client for the fetches (see oauth2.HTTPClient).
func OAuth2(ctx context.Context, tokenURL, clientID, clientSecret string) oauth2.TokenSource {
	cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: tokenURL}
	return tokenkit.Decoded(tokenkit.Fetch(func() (*oauth2.Token, error) { return cfg.Token(ctx) }), Vendor, TokenLifetime)
}
