package tellus

import (
	"context"
	"strings"
	"time"

	"github.com/iotapi/iotapi/internal/tokenkit"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenPath is the Tellus token endpoint, relative to the API's base URL.
const TokenPath = "/v1/operator/oauth/token"

// TokenLifetime is the lifetime of a Tellus access token (expires_in 86400).
const TokenLifetime = 24 * time.Hour

// ClientCredentials returns a token source for the Tellus Open Platform's
// OAuth2 client-credentials grant at baseURL + TokenPath. Give it to
// iotapi.WithTokenSource, which caches the token and shares one refresh
// between concurrent calls (the endpoint allows 10 token requests per minute
// per client). A failed fetch is an *iotapi.APIError decoded as a Tellus
// error. ctx carries the HTTP client for the fetches (see oauth2.HTTPClient).
func ClientCredentials(ctx context.Context, baseURL, clientID, clientSecret string) oauth2.TokenSource {
	cfg := clientcredentials.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		TokenURL:     strings.TrimRight(baseURL, "/") + TokenPath,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	return tokenkit.Decoded(tokenkit.Fetch(func() (*oauth2.Token, error) { return cfg.Token(ctx) }), Vendor, TokenLifetime)
}
