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
// grant (Application Access Management), for iotapi.WithTokenSource.
//
// The request is a form POST of grant_type=client_credentials, with the
// client id and secret in an HTTP Basic Authorization header (the way RFC
// 6749 requires every token endpoint to accept; fixed, so a failure costs
// one request, not a second probing one). The answer is {"access_token",
// "token_type", "expires_in"} (five minutes; TokenLifetime when missing). A
// failed fetch is an *iotapi.APIError decoded as a T IoT error, the secret
// redacted.
//
// The HTTP client is ctx's oauth2.HTTPClient value, else one that gives up
// after 10 s. Each fetch runs with the context of the call that needs the token, so it
// ends with that call; ctx's own cancellation is not kept, so a ctx that
// ends later does not fail later fetches.
func OAuth2(ctx context.Context, tokenURL, clientID, clientSecret string) oauth2.TokenSource {
	cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: tokenURL,
		AuthStyle: oauth2.AuthStyleInHeader}
	return tokenkit.NewClientCredentials(ctx, cfg, Vendor, TokenLifetime)
}
