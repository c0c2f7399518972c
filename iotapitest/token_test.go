package iotapitest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/telemax"
	"github.com/iotapi/iotapi/tellus"
	"github.com/iotapi/iotapi/tiot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// Each vendor package's token source against the fake of its vendor's
// endpoint: the shapes agree, the lifetime is the vendor's, and a failure
// comes back as the vendor's error.
func TestTokenEndpoint_TakesWhatTheSourcesSend(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		vendor string
		source func(url string) oauth2.TokenSource
		life   time.Duration
		fail   iotapitest.Response
		kind   iotapi.Kind
	}{
		{"tellus", func(u string) oauth2.TokenSource { return tellus.ClientCredentials(ctx, u, "client-1", "secret-1") },
			tellus.TokenLifetime, iotapitest.MustLookup("tellus", "2001_unauthenticated"), iotapi.Unauthenticated},
		{"dt", func(u string) oauth2.TokenSource { return dt.OAuth2(ctx, u+"/oauth2/token", "key-1", "secret-1") },
			dt.TokenLifetime, iotapitest.MustLookup("dt", "401"), iotapi.Unauthenticated},
		{"tiot", func(u string) oauth2.TokenSource { return tiot.OAuth2(ctx, u+"/token", "client-1", "secret-1") },
			tiot.TokenLifetime, iotapitest.MustLookup("tiot", "oauth_style_401"), iotapi.Unauthenticated},
		{"telemax", func(u string) oauth2.TokenSource { return telemax.APIKeyToken(ctx, nil, u, "key-1") },
			telemax.TokenLifetime, iotapitest.MustLookup("telemax", "v2_invalid_credentials"), iotapi.Unauthenticated},
		{"telemax", func(u string) oauth2.TokenSource { return telemax.UserToken(ctx, nil, u, "ana", "pw-1") },
			telemax.TokenLifetime, iotapitest.MustLookup("telemax", "too_many_requests"), iotapi.RateLimited},
		{"endpointmgr", func(u string) oauth2.TokenSource { return endpointmgr.ApplicationToken(ctx, nil, u, "app-1") },
			endpointmgr.TokenLifetime, iotapitest.MustLookup("endpointmgr", "1105_toomanyrequests"), iotapi.RateLimited},
	} {
		t.Run(c.vendor, func(t *testing.T) {
			te := iotapitest.NewTokenEndpoint(c.vendor)
			srv := httptest.NewServer(te)
			defer srv.Close()
			tok, err := c.source(srv.URL).Token()
			require.NoError(t, err)
			assert.Equal(t, c.vendor+"-token-1", tok.AccessToken)
			assert.WithinDuration(t, time.Now().Add(c.life), tok.Expiry, time.Minute)

			te.Fail(c.fail)
			_, err = c.source(srv.URL).Token()
			var apiErr *iotapi.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, c.vendor, apiErr.Vendor)
			assert.Equal(t, c.kind, apiErr.Kind)
			assert.Equal(t, 2, te.Requests(), "one request per fetch, no probing")

			te.Recover()
			_, err = c.source(srv.URL).Token()
			require.NoError(t, err)
			assert.Equal(t, 2, te.Issued())
		})
	}
}

func TestTokenEndpoint_RefusesOtherShapes(t *testing.T) {
	te := iotapitest.NewTokenEndpoint("endpointmgr")
	srv := httptest.NewServer(te)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/api/v1/authenticate", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	_, err = endpointmgr.ApplicationToken(context.Background(), nil, srv.URL, "").Token()
	assert.ErrorIs(t, err, iotapi.Unauthenticated, "no application token: the vendor's 401")
	assert.Zero(t, te.Issued())
}

// A client whose token the vendor revokes refreshes it once and goes on.
func TestTokenEndpoint_Protect(t *testing.T) {
	te := iotapitest.NewTokenEndpoint("tellus")
	tokens := httptest.NewServer(te)
	defer tokens.Close()
	api := httptest.NewServer(te.Protect(iotapitest.JSON(http.StatusOK, `{"code":0,"data":{}}`)))
	defer api.Close()
	var waits iotapitest.Waits
	c := iotapi.NewClient(api.Client(), tellus.Vendor, waits.Record(),
		iotapi.WithTokenSource(tellus.ClientCredentials(context.Background(), tokens.URL, "client-1", "secret-1")))
	get := func() error {
		req, _ := http.NewRequest(http.MethodGet, api.URL+"/v1/operator/stations", nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	require.NoError(t, get())
	te.Expire()
	require.NoError(t, get())
	assert.Equal(t, 2, te.Issued(), "refreshed once, after the vendor answered token expired")

	resp, err := http.Get(api.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "no token")
}
