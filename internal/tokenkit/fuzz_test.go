package tokenkit_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/tellus"
	"golang.org/x/oauth2"
)

type answer struct {
	status int
	ctype  string
	body   string
}

func (a answer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: http.Header{"Content-Type": {a.ctype}}, Request: r,
		Body: io.NopCloser(strings.NewReader(a.body)), ContentLength: int64(len(a.body))}, nil
}

// FuzzTokenResponse: whatever a token endpoint answers, the sources never
// panic; a token they return has an access token and an expiry within
// ten years; a failure never quotes the credential sent.
func FuzzTokenResponse(f *testing.F) {
	for _, s := range []string{
		`{"access_token":"a","expires_in":86400}`, `{"auth_token":"a"}`, `{"access_token":"a","expires_in":"86399.0"}`,
		`{"access_token":"","expires_in":-1}`, `{"expires_in":1e309}`, `not json`, ``, `[]`, `{"access_token":{"x":1}}`,
		`access_token=a&expires_in=3600`, `{"error":"invalid_client","error_description":"secret-PLANTED-f1 is wrong"}`,
	} {
		f.Add(200, "application/json", s)
		f.Add(401, "application/json", s)
	}
	f.Add(200, "application/x-www-form-urlencoded", "access_token=a&expires_in=60")
	f.Fuzz(func(t *testing.T, status int, ctype, body string) {
		if status < 100 || status > 999 {
			return
		}
		hc := &http.Client{Transport: answer{status, ctype, body}}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
		for _, fetch := range []func() (string, time.Time, error){
			func() (string, time.Time, error) {
				tok, err := endpointmgr.ApplicationToken(ctx, hc, "https://vendor.test", "secret-PLANTED-f1").Token()
				if err != nil {
					return "", time.Time{}, err
				}
				return tok.AccessToken, tok.Expiry, nil
			},
			func() (string, time.Time, error) {
				tok, err := tellus.ClientCredentials(ctx, "https://vendor.test", "id", "secret-PLANTED-f1").Token()
				if err != nil {
					return "", time.Time{}, err
				}
				return tok.AccessToken, tok.Expiry, nil
			},
		} {
			access, expiry, err := fetch()
			if err != nil {
				if strings.Contains(err.Error(), "secret-PLANTED-f1") {
					t.Fatalf("the credential in the error: %v", err)
				}
				continue
			}
			if access == "" {
				t.Fatal("a token without an access token")
			}
			if expiry.Before(time.Now()) || expiry.After(time.Now().Add(10*366*24*time.Hour)) {
				t.Fatalf("expiry %v", expiry)
			}
		}
	})
}
