// Package tokenkit holds what the vendor token sources share: an OAuth2
// client-credentials source and a fetcher for JSON token endpoints, both
// fetching with the context of the call that needs the token, with a
// bounded HTTP client by default, and decoding a token endpoint's failure
// with the vendor's rules, its credentials redacted.
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
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/internal/httpbody"
	"github.com/iotapi/iotapi/internal/jsonx"
	"github.com/iotapi/iotapi/internal/redact"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// FetchTimeout bounds one token request sent with DefaultClient.
const FetchTimeout = 10 * time.Second

// DefaultClient sends token requests when the caller gives no client:
// net/http's defaults, with FetchTimeout, where http.DefaultClient (which
// x/oauth2 uses by default) would wait on a hung token endpoint forever.
var DefaultClient = &http.Client{Timeout: FetchTimeout}

// ClientCredentials is an OAuth2 client-credentials token source that
// fetches a new token on each call: iotapi.WithTokenSource's cache decides
// when a token is replaced (x/oauth2's ReuseTokenSource would hand back a
// token the vendor just rejected).
type ClientCredentials struct {
	config          clientcredentials.Config
	client          *http.Client
	vendor          iotapi.Vendor
	defaultLifetime time.Duration
}

// NewClientCredentials returns a source for cfg, whose AuthStyle the vendor
// package fixes (leaving it to be detected costs a second request on every
// failure). The HTTP client is ctx's oauth2.HTTPClient value, as with
// x/oauth2, else DefaultClient; ctx's cancellation is not kept, so a
// context that ends later does not fail later fetches.
func NewClientCredentials(ctx context.Context, cfg clientcredentials.Config, v iotapi.Vendor, defaultLifetime time.Duration) *ClientCredentials {
	return &ClientCredentials{config: cfg, client: HTTPClient(ctx, nil), vendor: v, defaultLifetime: defaultLifetime}
}

// Token implements oauth2.TokenSource.
func (s *ClientCredentials) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext fetches a token; the fetch ends when ctx does.
func (s *ClientCredentials) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	tok, err := s.config.Token(context.WithValue(ctx, oauth2.HTTPClient, s.client))
	if err != nil {
		return nil, failure(s.vendor, s.config.TokenURL, err, s.config.ClientSecret)
	}
	return withLifetime(tok, s.defaultLifetime, time.Now), nil
}

// JSONSource fetches a token by POSTing a JSON body to a vendor's token
// endpoint. It reads the access token from the first non-empty of the
// response fields named in TokenFields, and its lifetime from expires_in
// (a number, a float such as 86399.0, or a numeric string), else
// DefaultLifetime. A failure is the vendor's *iotapi.APIError.
type JSONSource struct {
	Client          *http.Client // DefaultClient if nil
	URL             string
	Body            any      // encoded as JSON
	Secrets         []string // the credentials in Body, redacted from any error
	Vendor          iotapi.Vendor
	TokenFields     []string
	DefaultLifetime time.Duration
	Now             func() time.Time // time.Now if nil
}

// Token implements oauth2.TokenSource.
func (s *JSONSource) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext fetches a token; the fetch ends when ctx does.
func (s *JSONSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	payload, err := json.Marshal(s.Body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, failure(s.Vendor, s.URL, err, s.Secrets...)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	hc := s.Client
	if hc == nil {
		hc = DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, failure(s.Vendor, s.URL, err, s.Secrets...)
	}
	defer resp.Body.Close()
	if err := s.Vendor.CheckResponse(resp); err != nil {
		var apiErr *iotapi.APIError
		if errors.As(err, &apiErr) {
			apiErr.Redact(s.Secrets...)
		}
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, httpbody.Limit))
	if err != nil {
		return nil, failure(s.Vendor, s.URL, fmt.Errorf("reading the response: %w", err), s.Secrets...)
	}
	var fields map[string]jsonx.Text
	if err := jsonx.Unmarshal(body, &fields); err != nil {
		return nil, failure(s.Vendor, s.URL, errors.New("the response is not a JSON object"))
	}
	tok := &oauth2.Token{TokenType: "Bearer"}
	for _, f := range s.TokenFields {
		if v := fields[f]; v != "" {
			tok.AccessToken = string(v)
			break
		}
	}
	if tok.AccessToken == "" {
		return nil, failure(s.Vendor, s.URL, errors.New("the response has no access token"))
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if life := Lifetime(string(fields["expires_in"])); life > 0 {
		tok.Expiry = now().Add(life)
	}
	return withLifetime(tok, s.DefaultLifetime, now), nil
}

// HTTPClient returns hc, else ctx's oauth2.HTTPClient value (as x/oauth2
// sources take theirs), else DefaultClient.
func HTTPClient(ctx context.Context, hc *http.Client) *http.Client {
	if hc != nil {
		return hc
	}
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && c != nil {
		return c
	}
	return DefaultClient
}

// withLifetime gives a token without an expiry the vendor's documented
// lifetime.
func withLifetime(tok *oauth2.Token, life time.Duration, now func() time.Time) *oauth2.Token {
	if tok.Expiry.IsZero() && life > 0 {
		c := *tok
		c.Expiry = now().Add(life)
		tok = &c
	}
	return tok
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

// failure turns a failed fetch into the error a caller sees: a token
// endpoint's HTTP failure as the vendor's *iotapi.APIError, anything else
// as a *FetchError; either way without the endpoint URL's credentials or
// the secrets given.
func failure(v iotapi.Vendor, endpoint string, err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		apiErr := iotapi.RetrieveAPIError(v, re)
		apiErr.Redact(secrets...)
		return apiErr
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err // its text holds the whole URL
	}
	u, perr := url.Parse(endpoint)
	where := redact.Text(endpoint)
	if perr == nil {
		where = redact.URL(u)
	}
	return &FetchError{Vendor: v.Name(), URL: where, Err: err, secrets: secrets}
}

// FetchError is a token fetch that got no answer from the token endpoint
// (or an answer that holds no token). Err is the cause: errors.Is reaches
// context.DeadlineExceeded, syscall.ECONNREFUSED and the like.
type FetchError struct {
	Vendor string
	URL    string // with credentials redacted
	Err    error
	// secrets are redacted from Err's text.
	secrets []string
}

func (e *FetchError) Error() string {
	msg := redact.Text(e.Err.Error())
	for _, s := range e.secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, redact.Mask)
		}
	}
	return e.Vendor + " token: POST " + e.URL + ": " + msg
}

func (e *FetchError) Unwrap() error { return e.Err }
