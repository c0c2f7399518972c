package endpointmgr

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/iotapi/iotapi/internal/tokenkit"
	"golang.org/x/oauth2"
)

// AuthenticatePath is the Endpoint Manager authentication endpoint,
// relative to the API's base URL.
const AuthenticatePath = "/api/v1/authenticate"

// TokenLifetime is the lifetime of an Endpoint Manager auth token: 240
// minutes. Application-token authentication returns no refresh token.
const TokenLifetime = 240 * time.Minute

// ApplicationToken returns a token source that exchanges an application
// token for an auth token at baseURL + AuthenticatePath, for
// iotapi.WithTokenSource, which shares one fetch between concurrent calls
// (the endpoint allows 100 requests per 5 minutes).
//
// The request is a JSON POST {"application_token": "..."}; the answer is a
// JSON object whose auth_token (or access_token, or token) is the token,
// valid 240 minutes (TokenLifetime), with no refresh token. A failed fetch
// is an *iotapi.APIError decoded as an Endpoint Manager error, the
// application token redacted.
//
// hc sends the requests; if nil, ctx's oauth2.HTTPClient value, else a
// client that gives up after 10 s. Each fetch runs with the context of the call that needs the token, so it
// ends with that call; ctx's own cancellation is not kept, so a ctx that
// ends later does not fail later fetches.
func ApplicationToken(ctx context.Context, hc *http.Client, baseURL, applicationToken string) oauth2.TokenSource {
	return &tokenkit.JSONSource{Client: tokenkit.HTTPClient(ctx, hc), URL: strings.TrimRight(baseURL, "/") + AuthenticatePath,
		Body: map[string]string{"application_token": applicationToken}, Secrets: []string{applicationToken}, Vendor: Vendor,
		TokenFields: []string{"auth_token", "access_token", "token"}, DefaultLifetime: TokenLifetime}
}
