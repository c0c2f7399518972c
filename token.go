package iotapi

import (
	"strings"

	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/iotapi/iotapi/internal/redact"

	"golang.org/x/oauth2"
)

// DefaultTokenMargin is how long before its expiry a cached token is
// replaced: 30 s, a tenth of T IoT's five-minute tokens and well inside
// every vendor's lifetime.
const DefaultTokenMargin = 30 * time.Second

// WithTokenSource makes the client authenticate every attempt with a bearer
// token from ts. ts should fetch a new token on each call, as the vendor
// packages' sources do: the client does the caching (an
// oauth2.ReuseTokenSource would hand back a token the vendor rejected). The
// token is cached and replaced DefaultTokenMargin before it expires;
// concurrent calls share one fetch, because vendors rate-limit
// their token endpoints (Tellus: 10 per minute; Endpoint Manager: 100 per 5
// minutes). When the vendor answers TokenExpired, or Unauthenticated for a
// token not yet refreshed in this call, the cached token is dropped, a new
// one fetched and the request sent once more, whatever its method (the
// vendor did not act on it); a second rejection is returned, never looped.
// A T IoT 500, which may mean expired credentials, also gets a fresh token
// for its one retry.
//
// A failed fetch ends the call with the token endpoint's error: an
// *APIError when the source decodes it (the vendor packages' sources do,
// and an *oauth2.RetrieveError is decoded with the vendor's rules), with
// Attempts 0. The caller's Authorization header is replaced on the copy
// sent; the caller's request is not modified.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) { c.tokenSource = ts }
}

// WithTokenCache sets where WithTokenSource's token is kept (default: in
// this process, for this client). A shared cache, such as a Redis one, lets
// replicas use one token and refresh it once between them.
func WithTokenCache(tc TokenCache) Option {
	return func(c *config) { c.tokenCache = tc }
}

// WithTokenMargin sets how long before expiry the in-process token cache
// replaces a token (default DefaultTokenMargin).
func WithTokenMargin(d time.Duration) Option {
	return func(c *config) { c.tokenMargin = max(d, 0) }
}

// A TokenCache keeps the current token of a token source. Implementations
// must be safe for concurrent use.
type TokenCache interface {
	// Token returns a usable token: the cached one while it is valid and is
	// not stale (the access token a vendor just rejected; "" for none), else
	// one from fetch, which the cache then keeps. Among all who share the
	// cache, at most one fetch runs at a time; the others wait for its
	// token, or until ctx ends. fetch's context is the one of the call
	// that fetches.
	Token(ctx context.Context, stale string, fetch func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error)
}

// NewMemoryTokenCache returns the in-process TokenCache: it replaces a
// token margin before its expiry, and callers that find it stale share one
// fetch.
func NewMemoryTokenCache(margin time.Duration) TokenCache {
	return &memoryTokenCache{margin: margin}
}

type memoryTokenCache struct {
	margin time.Duration

	mu       sync.Mutex
	tok      *oauth2.Token
	inflight *tokenFetch
}

type tokenFetch struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

func (c *memoryTokenCache) Token(ctx context.Context, stale string, fetch func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	for {
		tok, err, retry := c.token(ctx, stale, fetch)
		if !retry {
			return tok, err
		}
	}
}

// token is one try of Token. retry reports that the fetch this call waited
// for ended with its own caller's context (that caller gave up, this one has
// not), so this call should try again, fetching itself if need be.
func (c *memoryTokenCache) token(ctx context.Context, stale string, fetch func(context.Context) (*oauth2.Token, error)) (_ *oauth2.Token, _ error, retry bool) {
	c.mu.Lock()
	if TokenUsable(c.tok, stale, c.margin) {
		tok := c.tok
		c.mu.Unlock()
		return tok, nil, false
	}
	if f := c.inflight; f != nil {
		c.mu.Unlock()
		select {
		case <-f.done:
			gaveUp := errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)
			return f.tok, f.err, gaveUp && ctx.Err() == nil
		case <-ctx.Done():
			return nil, ctx.Err(), false
		}
	}
	f := &tokenFetch{done: make(chan struct{})}
	c.inflight = f
	c.mu.Unlock()

	f.tok, f.err = fetch(ctx)
	switch {
	case f.err != nil:
	case f.tok == nil || f.tok.AccessToken == "":
		f.tok, f.err = nil, errors.New("token source returned no access token")
	case stale != "" && f.tok.AccessToken == stale:
		f.tok, f.err = nil, ErrStaleToken
	}
	c.mu.Lock()
	if f.err == nil {
		c.tok = f.tok
	}
	c.inflight = nil
	c.mu.Unlock()
	close(f.done)
	return f.tok, f.err, false
}

// TokenUsable reports whether tok can be used now: it has an access token
// other than stale, and it expires more than margin from now (or never).
// TokenCache implementations share this rule.
func TokenUsable(tok *oauth2.Token, stale string, margin time.Duration) bool {
	if tok == nil || tok.AccessToken == "" || tok.AccessToken == stale {
		return false
	}
	return tok.Expiry.IsZero() || time.Until(tok.Expiry) > margin
}

// tokens gets the bearer token of each attempt for an engine: from the
// cache, else from the source.
type tokens struct {
	source  oauth2.TokenSource
	cache   TokenCache
	vendor  Vendor
	fetched func(context.Context, TokenFetch) // the TokenFetch hook, if any
	fetch   func(context.Context) (*oauth2.Token, error)
}

func newTokens(cfg *config, v Vendor) *tokens {
	t := &tokens{source: cfg.tokenSource, cache: cfg.tokenCache, vendor: v, fetched: cfg.hooks.TokenFetch}
	t.fetch = t.fetchNow // bound once: the cache gets the same func on every call
	return t
}

// get returns a usable access token other than stale.
func (t *tokens) get(ctx context.Context, stale string) (string, error) {
	tok, err := t.cache.Token(ctx, stale, t.fetch)
	if err != nil {
		return "", &tokenError{err}
	}
	return tok.AccessToken, nil
}

// fetchNow gets a token from the source, turning a token endpoint's HTTP
// failure into the vendor's *APIError, and reports the fetch.
func (t *tokens) fetchNow(ctx context.Context) (*oauth2.Token, error) {
	start := time.Now()
	tok, err := t.source.Token()
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		err = RetrieveAPIError(t.vendor, re)
	}
	if t.fetched != nil {
		t.fetched(ctx, TokenFetch{Took: time.Since(start), Err: err})
	}
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// tokenError is a failed token fetch; Do returns its cause.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "fetching token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// scrubToken removes an access token a vendor echoed back from the
// decoded error.
func scrubToken(e *APIError, token string) {
	if token != "" && strings.Contains(e.Message, token) {
		e.Message = strings.ReplaceAll(e.Message, token, redact.Mask)
	}
}

// RetrieveAPIError decodes the HTTP failure an *oauth2.RetrieveError holds
// with v's rules.
func RetrieveAPIError(v Vendor, re *oauth2.RetrieveError) *APIError {
	resp := *re.Response
	resp.Body = http.NoBody
	if len(re.Body) > 0 {
		resp.Body = io.NopCloser(bytes.NewReader(re.Body))
		resp.ContentLength = int64(len(re.Body))
	}
	apiErr := v.decodeError(&resp)
	if apiErr.Message == "" && re.ErrorDescription != "" {
		apiErr.Message = re.ErrorDescription
	}
	if apiErr.Code == "" && re.ErrorCode != "" {
		apiErr.Code = re.ErrorCode
	}
	return apiErr
}
