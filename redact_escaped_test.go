package iotapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// escapedToken has characters that JSON and URL encoders escape.
const escapedToken = "tok/PLANTED+x9/z=="

// escapingEcho answers 401 with a JSON body that echoes the request's
// bearer token escaped: with "\/" for each slash, as PHP's and Java's
// encoders write it; with every character as \uXXXX, hex in both cases,
// as any encoder may; and percent-encoded in a link, in the body and in a
// Link header.
func escapingEcho(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	w.Header().Set("Link", "<https://vendor.test/renew?t="+url.QueryEscape(token)+`>; rel="renew"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, `{"error":"invalid token %s","message":"the token \"%s\" has expired","help":"https:\/\/docs.vendor.test\/401?t=%s"}`,
		strings.ReplaceAll(token, "/", `\/`), uEscaped(token), url.QueryEscape(token))
}

// uEscaped writes each character of s as \uXXXX, hex in lower and upper
// case in turn.
func uEscaped(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i%2 == 0 {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			fmt.Fprintf(&b, `\u%04X`, r)
		}
	}
	return b.String()
}

// assertNoEscapedToken fails if text holds escapedToken in any of the
// spellings escapingEcho writes.
func assertNoEscapedToken(t *testing.T, where, text string) {
	t.Helper()
	for _, spelling := range []string{escapedToken, strings.ReplaceAll(escapedToken, "/", `\/`), uEscaped(escapedToken),
		url.QueryEscape(escapedToken)} {
		assert.NotContainsf(t, text, spelling, "%s leaks the token as %s", where, spelling)
	}
}

// A vendor echoes the client's token escaped in its 401 body and a
// header: no spelling of it is left in the error's body (raw, or decoded as
// JSON and then as a URL), which is still JSON, in its fields and headers,
// in Error(), %v, %+v and %#v, or in the support report, through a Client
// and through a Transport.
func TestRedact_EscapedEchoOfTheToken(t *testing.T) {
	srv := serveHandler(t, http.HandlerFunc(escapingEcho))
	check := func(t *testing.T, err error) {
		var e *iotapi.APIError
		require.ErrorAs(t, err, &e)
		require.Equal(t, http.StatusUnauthorized, e.StatusCode)
		assertNoEscapedToken(t, "APIError.Body", string(e.Body))
		var decoded map[string]string
		require.NoError(t, json.Unmarshal(e.Body, &decoded), "the body is still JSON: %s", e.Body)
		for field, v := range decoded {
			assertNoEscapedToken(t, "the body's "+field, v)
			unescaped, err := url.QueryUnescape(v)
			require.NoError(t, err)
			assertNoEscapedToken(t, "the body's "+field+", URL-decoded", unescaped)
		}
		assert.Contains(t, decoded["message"], "REDACTED")
		assertNoEscapedToken(t, "Error()", err.Error())
		assertNoEscapedToken(t, "fmt", fmt.Sprintf("%v | %+v | %#v", err, err, err))
		assertNoEscapedToken(t, "APIError.DocURL", e.DocURL)
		assertNoEscapedToken(t, "APIError.Header", fmt.Sprint(e.Header))
		r, ok := iotapi.NewReport(err)
		require.True(t, ok)
		j, _ := json.Marshal(r)
		assertNoEscapedToken(t, "the report", r.String())
		assertNoEscapedToken(t, "the report as JSON", string(j))
	}

	t.Run("Client", func(t *testing.T) {
		c, _ := newClient(dt.Vendor, iotapi.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: escapedToken})))
		_, err := get(t, c, srv.URL+"/v1/things")
		check(t, err)
	})
	t.Run("Transport and CheckResponse", func(t *testing.T) {
		hc := &http.Client{Transport: iotapi.NewTransport(nil, dt.Vendor)}
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/things", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+escapedToken)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		check(t, dt.CheckResponse(resp))
	})
}
