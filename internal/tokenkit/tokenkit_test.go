package tokenkit_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/internal/tokenkit"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/telemax"
	"github.com/iotapi/iotapi/tellus"
	"github.com/iotapi/iotapi/tiot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// tokenServer records each token request and answers with answer.
type tokenServer struct {
	mu       sync.Mutex
	paths    []string
	forms    []url.Values
	jsons    []map[string]string
	answer   iotapitest.Response
	received int
}

func (s *tokenServer) start(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.received++
		s.paths = append(s.paths, r.URL.Path)
		if r.Header.Get("Content-Type") == "application/json" {
			m := map[string]string{}
			_ = json.Unmarshal(body, &m)
			s.jsons = append(s.jsons, m)
		} else {
			form, _ := url.ParseQuery(string(body))
			s.forms = append(s.forms, form)
		}
		s.mu.Unlock()
		s.answer.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func within(t *testing.T, got time.Time, life time.Duration) {
	t.Helper()
	assert.WithinDuration(t, time.Now().Add(life), got, 5*time.Second)
}

func TestTellusClientCredentials(t *testing.T) {
	ts := &tokenServer{answer: iotapitest.JSON(200, `{"access_token":"tls-abc","token_type":"Bearer","expires_in":86400}`)}
	srv := ts.start(t)
	tok, err := tellus.ClientCredentials(context.Background(), srv.URL+"/", "client-1", "secret-1").Token()
	require.NoError(t, err)
	assert.Equal(t, "tls-abc", tok.AccessToken)
	within(t, tok.Expiry, 24*time.Hour)
	assert.Equal(t, []string{tellus.TokenPath}, ts.paths)
	assert.Equal(t, "client_credentials", ts.forms[0].Get("grant_type"))
	assert.Equal(t, "client-1", ts.forms[0].Get("client_id"))
	assert.Equal(t, "secret-1", ts.forms[0].Get("client_secret"))
}

func TestTellusClientCredentials_FailureIsAnAPIError(t *testing.T) {
	ts := &tokenServer{answer: iotapitest.MustLookup("tellus", "2001_unauthenticated")}
	srv := ts.start(t)
	_, err := tellus.ClientCredentials(context.Background(), srv.URL, "client-1", "secret-PLANTED").Token()
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, tellus.Name, e.Vendor)
	assert.Equal(t, iotapi.Unauthenticated, e.Kind)
	assert.Equal(t, tellus.CodeUnauthenticated, e.Code)
	assert.Equal(t, "tls-req-2001", e.RequestID)
	assert.NotContains(t, e.Error(), "secret-PLANTED")
}

func TestTelemaxAPIKeyToken_FloatExpiry(t *testing.T) {
	ts := &tokenServer{answer: iotapitest.JSON(200, `{"access_token":"tmx-1","token_type":"Bearer","expires_in":86399.0}`)}
	srv := ts.start(t)
	tok, err := telemax.APIKeyToken(context.Background(), nil, srv.URL, "key-1").Token()
	require.NoError(t, err)
	assert.Equal(t, "tmx-1", tok.AccessToken)
	within(t, tok.Expiry, 86399*time.Second)
	assert.Equal(t, []string{telemax.APIKeyTokenPath}, ts.paths)
	assert.Equal(t, map[string]string{"apiKey": "key-1"}, ts.jsons[0])
}

func TestTelemaxUserToken(t *testing.T) {
	ts := &tokenServer{answer: iotapitest.JSON(200, `{"accessToken":"tmx-2","expires_in":"3600.5"}`)}
	srv := ts.start(t)
	tok, err := telemax.UserToken(context.Background(), nil, srv.URL, "ana", "pw").Token()
	require.NoError(t, err)
	assert.Equal(t, "tmx-2", tok.AccessToken)
	within(t, tok.Expiry, time.Hour)
	assert.Equal(t, map[string]string{"username": "ana", "password": "pw"}, ts.jsons[0])

	ts.answer = iotapitest.MustLookup("telemax", "v2_invalid_credentials")
	_, err = telemax.UserToken(context.Background(), nil, srv.URL, "ana", "bad").Token()
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, telemax.CodeInvalidCredentials, e.Code)
}

func TestEndpointMgrApplicationToken(t *testing.T) {
	ts := &tokenServer{answer: iotapitest.JSON(200, `{"auth_token":"em-1"}`)}
	srv := ts.start(t)
	tok, err := endpointmgr.ApplicationToken(context.Background(), nil, srv.URL, "app-token-1").Token()
	require.NoError(t, err)
	assert.Equal(t, "em-1", tok.AccessToken)
	within(t, tok.Expiry, 240*time.Minute)
	assert.Equal(t, []string{endpointmgr.AuthenticatePath}, ts.paths)
	assert.Equal(t, map[string]string{"application_token": "app-token-1"}, ts.jsons[0])

	ts.answer = iotapitest.MustLookup("endpointmgr", "1105_toomanyrequests")
	_, err = endpointmgr.ApplicationToken(context.Background(), nil, srv.URL, "app-token-1").Token()
	assert.ErrorIs(t, err, iotapi.RateLimited)
}

func TestDTAndTIoTOAuth2(t *testing.T) {
	for name, c := range map[string]struct {
		source func(ctx context.Context, tokenURL, id, secret string) oauth2.TokenSource
		life   time.Duration
		fail   iotapitest.Response
		kind   iotapi.Kind
	}{
		"dt":   {dt.OAuth2, dt.TokenLifetime, iotapitest.MustLookup("dt", "401"), iotapi.Unauthenticated},
		"tiot": {tiot.OAuth2, tiot.TokenLifetime, iotapitest.MustLookup("tiot", "oauth_style_401"), iotapi.Unauthenticated},
	} {
		t.Run(name, func(t *testing.T) {
			ts := &tokenServer{answer: iotapitest.JSON(200, `{"access_token":"x-1","token_type":"Bearer"}`)}
			srv := ts.start(t)
			tok, err := c.source(context.Background(), srv.URL+"/oauth2/token", "id", "secret").Token()
			require.NoError(t, err)
			assert.Equal(t, "x-1", tok.AccessToken)
			within(t, tok.Expiry, c.life)

			ts.answer = c.fail
			_, err = c.source(context.Background(), srv.URL+"/oauth2/token", "id", "secret").Token()
			var e *iotapi.APIError
			require.ErrorAs(t, err, &e)
			assert.Equal(t, name, e.Vendor)
			assert.Equal(t, c.kind, e.Kind)
		})
	}
}

func TestJSONSource_Garbage(t *testing.T) {
	for _, body := range []string{`{}`, `not json`, `{"access_token":""}`} {
		ts := &tokenServer{answer: iotapitest.JSON(200, body)}
		srv := ts.start(t)
		_, err := (&tokenkit.JSONSource{URL: srv.URL, Vendor: dt.Vendor, TokenFields: []string{"access_token"}}).Token()
		assert.Error(t, err, body)
	}
}

func TestLifetime(t *testing.T) {
	for v, want := range map[string]time.Duration{"86400": 24 * time.Hour, "86399.0": 86399 * time.Second, "0.5": 500 * time.Millisecond,
		"": 0, "-1": 0, "abc": 0, "1e30": 0, "NaN": 0} {
		assert.Equal(t, want, tokenkit.Lifetime(v), v)
	}
}
