// Package tokenkit holds what the vendor token sources share: a token
// fetcher for JSON token endpoints, and the decoding of token endpoint
// failures with the vendor's rules.
package tokenkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/httpbody"
	"github.com/iotapi/iotapi/internal/jsonx"
	"golang.org/x/oauth2"
)

// JSONSource fetches a token by POSTing a JSON body to a vendor's token
// endpoint. It reads the access token from the first non-empty of the
// response fields named in TokenFields, and its lifetime from expires_in
// (a number, a float such as 86399.0, or a numeric string), else
// DefaultLifetime. A failure is the vendor's *iotapi.APIError.
type JSONSource struct {
	Context         context.Context // for each fetch; context.Background if nil
	Client          *http.Client    // http.DefaultClient if nil
	URL             string
	Body            any // encoded as JSON
	Vendor          iotapi.Vendor
	TokenFields     []string
	DefaultLifetime time.Duration
	Now             func() time.Time // time.Now if nil
}

// Token implements oauth2.TokenSource.
func (s *JSONSource) Token() (*oauth2.Token, error) {
	ctx := s.Context
	if ctx == nil {
		ctx = context.Background()
	}
	payload, err := json.Marshal(s.Body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	hc := s.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s token: %w", s.Vendor.Name(), err)
	}
	defer resp.Body.Close()
	if err := s.Vendor.CheckResponse(resp); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, httpbody.Limit))
	if err != nil {
		return nil, fmt.Errorf("%s token: reading response: %w", s.Vendor.Name(), err)
	}
	var fields map[string]jsonx.Text
	if err := jsonx.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("%s token: decoding response: %w", s.Vendor.Name(), err)
	}
	tok := &oauth2.Token{TokenType: "Bearer"}
	for _, f := range s.TokenFields {
		if v := fields[f]; v != "" {
			tok.AccessToken = string(v)
			break
		}
	}
	if tok.AccessToken == "" {
		return nil, fmt.Errorf("%s token: the response has no access token", s.Vendor.Name())
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if life := Lifetime(string(fields["expires_in"])); life > 0 {
		tok.Expiry = now().Add(life)
	} else if s.DefaultLifetime > 0 {
		tok.Expiry = now().Add(s.DefaultLifetime)
	}
	return tok, nil
}

// Lifetime reads an expires_in value: seconds as an integer, a float or a
// numeric string. It returns 0 for anything else.
func Lifetime(v string) time.Duration {
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(secs) || secs <= 0 || secs > 10*365*24*3600 {
		return 0
	}
	return time.Duration(secs * float64(time.Second))
}

// Decoded wraps an OAuth2 token source so that a token endpoint's HTTP
// failure comes back as the vendor's *iotapi.APIError, and a token without
// an expiry gets defaultLifetime.
func Decoded(ts oauth2.TokenSource, v iotapi.Vendor, defaultLifetime time.Duration) oauth2.TokenSource {
	return decoded{ts: ts, v: v, life: defaultLifetime}
}

type decoded struct {
	ts   oauth2.TokenSource
	v    iotapi.Vendor
	life time.Duration
}

func (d decoded) Token() (*oauth2.Token, error) {
	tok, err := d.ts.Token()
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re) && re.Response != nil:
		return nil, iotapi.RetrieveAPIError(d.v, re)
	case err != nil:
		return nil, err
	}
	if tok.Expiry.IsZero() && d.life > 0 {
		c := *tok
		c.Expiry = time.Now().Add(d.life)
		tok = &c
	}
	return tok, nil
}

// Fetch is a token source that calls its function for every token: no
// caching of its own, so that iotapi.WithTokenSource's cache decides when a
// token is replaced (oauth2's ReuseTokenSource would hand back a token the
// vendor just rejected).
type Fetch func() (*oauth2.Token, error)

// Token implements oauth2.TokenSource.
func (f Fetch) Token() (*oauth2.Token, error) { return f() }
