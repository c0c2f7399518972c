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
// (the endpoint allows 100 requests per 5 minutes). A failed fetch is an
// *iotapi.APIError decoded as an Endpoint Manager error. hc sends the
// requests (http.DefaultClient if nil).
func ApplicationToken(ctx context.Context, hc *http.Client, baseURL, applicationToken string) oauth2.TokenSource {
	return &tokenkit.JSONSource{Context: ctx, Client: hc, URL: strings.TrimRight(baseURL, "/") + AuthenticatePath,
		Body: map[string]string{"application_token": applicationToken}, Vendor: Vendor,
		TokenFields: []string{"auth_token", "access_token", "token"}, DefaultLifetime: TokenLifetime}
}
