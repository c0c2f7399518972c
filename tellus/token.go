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
// per client).
//
// The request is a form POST: grant_type=client_credentials, client_id and
// client_secret in the body. The answer is {"access_token", "token_type",
// "expires_in"} (86400 s; TokenLifetime when missing). A failed fetch is an
// *iotapi.APIError decoded as a Tellus error, the client secret redacted.
//
// The HTTP client is ctx's oauth2.HTTPClient value, else one that gives up
// after 10 s (http.DefaultClient would wait forever). Each fetch runs with the context of the call that needs the token, so it
// ends with that call; ctx's own cancellation is not kept, so a ctx that
// ends later does not fail later fetches.
func ClientCredentials(ctx context.Context, baseURL, clientID, clientSecret string) oauth2.TokenSource {
	cfg := clientcredentials.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		TokenURL:     strings.TrimRight(baseURL, "/") + TokenPath,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	return tokenkit.NewClientCredentials(ctx, cfg, Vendor, TokenLifetime)
}
