package iotapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
// concurrent calls share one fetch, because vendors rate-limit their token
// endpoints (Tellus: 10 per minute; Endpoint Manager: 100 per 5 minutes).
//
// A fetch runs with the context of the call that needs the token when ts
// is a [ContextTokenSource] (the vendor packages' sources are), so it ends
// with the call's deadline or the Client's Timeout. A failed fetch fails
// every call waiting for it with its error, and is answered again rather
// than repeated for a second, or for as long as the token endpoint's
// Retry-After asks (at most an hour): a rate-limited or misconfigured
// token endpoint is not hammered. If the call that fetched gave up (its
// context ended), the calls still waiting share one more fetch.
//
// When the vendor answers TokenExpired, or Unauthenticated for a token not
// yet refreshed in this call, the cached token is dropped, a new one
// fetched and the request sent once more, whatever its method (the vendor
// did not act on it); this replay is not one of the call's retries, and a
// second rejection is returned, never looped. A T IoT 500, which may mean
// expired credentials, also gets a fresh token for its one retry.
//
// A failed fetch ends the call with the token endpoint's error: an
// *APIError when the source decodes it (the vendor packages' sources do,
// and an *oauth2.RetrieveError is decoded with the vendor's rules), with
// Attempts 0, and with the source's credentials redacted. The token goes
// only to the host of the request it was set for: net/http drops it from
// a redirect to another host, and so does a Transport. The caller's
// Authorization header is replaced on the copy sent; the caller's request
// is not modified.
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
// replaces a token (default DefaultTokenMargin). d below 0 counts as 0, and
// above MaxTokenMargin as MaxTokenMargin; a token whose whole lifetime is
// shorter than twice the margin is replaced at half its lifetime, so a
// short-lived token is still used.
func WithTokenMargin(d time.Duration) Option {
	return func(c *config) { c.tokenMargin = min(max(d, 0), MaxTokenMargin) }
}

// MaxTokenMargin is the longest WithTokenMargin: an hour.
const MaxTokenMargin = time.Hour

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
	fetched  time.Time   // when tok came
	inflight *tokenFetch // the fetch under way, shared by every caller
	failed   *tokenFetch // the latest failed fetch, answered again until its cooldown ends
}

// tokenFetch is one fetch of a token, shared by the callers waiting for
// it: done is closed once tok and err are set.
type tokenFetch struct {
	done  chan struct{}
	tok   *oauth2.Token
	err   error
	until time.Time // a failed fetch is not repeated before then (memoryTokenCache)
}

// tokenFailureCooldown is how long a failed fetch is answered again instead
// of repeated when the token endpoint gave no Retry-After: vendors
// rate-limit their token endpoints (Tellus: 10 per minute), and a
// misconfigured client must not hammer one. maxTokenCooldown bounds a
// Retry-After the endpoint gave.
const (
	tokenFailureCooldown = time.Second
	maxTokenCooldown     = time.Hour
)

// Token returns the cached token, or one from a fetch shared by every
// caller that needs one. A failed fetch fails every caller waiting for it
// with its error, and is answered again, not repeated, for a second (or the
// token endpoint's Retry-After, at most an hour). When the caller that
// fetched gave up (its context ended) the callers still waiting try once
// more, sharing one new fetch.
func (c *memoryTokenCache) Token(ctx context.Context, stale string, fetch func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	retried := false
	for {
		c.mu.Lock()
		if c.usable(stale) {
			tok := c.tok
			c.mu.Unlock()
			return tok, nil
		}
		if f := c.failed; f != nil && time.Now().Before(f.until) {
			c.mu.Unlock()
			return nil, f.err
		}
		f := c.inflight
		if f == nil {
			f = &tokenFetch{done: make(chan struct{})}
			c.inflight = f
			c.mu.Unlock()
			return c.fetch(ctx, f, stale, fetch)
		}
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err == nil || retried || !gaveUp(f.err) || ctx.Err() != nil {
			return f.tok, f.err
		}
		retried = true // the fetching caller gave up, this one has not: one more try, shared
	}
}

var (
	errNoSourceToken = errors.New("token source returned no access token")
	errNoToken       = errors.New("token cache returned no access token")

	// errFetchPanicked is what callers waiting for a fetch that panicked
	// get; the panic goes on up the caller that ran the fetch.
	errFetchPanicked = errors.New("token fetch panicked")
)

// fetch runs f for the callers of Token, and keeps its token or its failure.
func (c *memoryTokenCache) fetch(ctx context.Context, f *tokenFetch, stale string, fetch func(context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	func() {
		f.err = errFetchPanicked
		defer c.settle(f, stale) // even if fetch panics: the waiters are not left waiting
		f.tok, f.err = fetch(ctx)
	}()
	return f.tok, f.err
}

// settle checks a fetch's token, keeps it or the failure, and wakes the
// callers waiting for it.
func (c *memoryTokenCache) settle(f *tokenFetch, stale string) {
	switch {
	case f.err != nil:
	case f.tok == nil || f.tok.AccessToken == "":
		f.tok, f.err = nil, errNoSourceToken
	case stale != "" && f.tok.AccessToken == stale:
		f.tok, f.err = nil, ErrStaleToken
	}
	c.mu.Lock()
	switch {
	case f.err == nil:
		c.tok, c.fetched, c.failed = f.tok, time.Now(), nil
	case !gaveUp(f.err) && !errors.Is(f.err, ErrStaleToken):
		wait := tokenFailureCooldown
		var apiErr *APIError
		if errors.As(f.err, &apiErr) && apiErr.RetryAfter > wait {
			wait = min(apiErr.RetryAfter, maxTokenCooldown)
		}
		f.until = time.Now().Add(wait)
		c.failed = f
	}
	c.inflight = nil
	c.mu.Unlock()
	close(f.done)
}

// usable reports whether the cached token can be used: TokenUsable with the
// margin, or half the token's lifetime when that is shorter.
func (c *memoryTokenCache) usable(stale string) bool {
	margin := c.margin
	if c.tok != nil && !c.tok.Expiry.IsZero() {
		margin = min(margin, c.tok.Expiry.Sub(c.fetched)/2)
	}
	return TokenUsable(c.tok, stale, margin)
}

// gaveUp reports whether err is a context's end: the caller gave up, the
// token endpoint did not fail.
func gaveUp(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
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
	plain   plainFetch // for a source without TokenContext
}

// plainFetch runs an oauth2.TokenSource's Token, which takes no context,
// so that a call's wait for it still ends with the call's context (its
// deadline, the Client's Timeout): the fetch runs on a goroutine of its
// own, which ends when the source returns. While one runs, the calls that
// need a token wait for it rather than start another, so a source that
// hangs holds one goroutine, not one per call.
type plainFetch struct {
	mu      sync.Mutex
	running *tokenFetch
}

func (p *plainFetch) token(ctx context.Context, src oauth2.TokenSource) (*oauth2.Token, error) {
	p.mu.Lock()
	r := p.running
	if r == nil && ctx.Done() == nil { // a context that never ends: no goroutine needed
		p.mu.Unlock()
		return src.Token()
	}
	if r == nil {
		r = &tokenFetch{done: make(chan struct{})}
		p.running = r
		go p.run(r, src)
	}
	p.mu.Unlock()
	select {
	case <-r.done:
		return r.tok, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run fetches for r. A panic in the source becomes r's error: on a
// goroutine of its own it would end the process.
func (p *plainFetch) run(r *tokenFetch, src oauth2.TokenSource) {
	defer func() {
		if v := recover(); v != nil {
			r.tok, r.err = nil, fmt.Errorf("%w: %v", errFetchPanicked, v)
		}
		p.mu.Lock()
		p.running = nil
		p.mu.Unlock()
		close(r.done)
	}()
	r.tok, r.err = src.Token()
}

func newTokens(cfg *config, v Vendor) *tokens {
	t := &tokens{source: cfg.tokenSource, cache: cfg.tokenCache, vendor: v, fetched: cfg.hooks.TokenFetch}
	t.fetch = t.fetchNow // bound once: the cache gets the same func on every call
	return t
}

// get returns a usable access token other than stale.
func (t *tokens) get(ctx context.Context, stale string) (string, error) {
	tok, err := t.cache.Token(ctx, stale, t.fetch)
	if err == nil && (tok == nil || tok.AccessToken == "") {
		err = errNoToken // a TokenCache of the caller's that broke its contract
	}
	if err != nil {
		return "", &tokenError{err}
	}
	return tok.AccessToken, nil
}

// fetchNow gets a token from the source, turning a token endpoint's HTTP
// failure into the vendor's *APIError, and reports the fetch.
func (t *tokens) fetchNow(ctx context.Context) (*oauth2.Token, error) {
	start := time.Now()
	var tok *oauth2.Token
	var err error
	if cs, ok := t.source.(ContextTokenSource); ok {
		tok, err = cs.TokenContext(ctx)
	} else {
		tok, err = t.plain.token(ctx, t.source)
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		err = RetrieveAPIError(t.vendor, re)
	}
	if t.fetched != nil {
		f := TokenFetch{Took: time.Since(start)}
		if err != nil {
			f.Err = &tokenError{err} // redacted, as the call's error is
		}
		t.fetched(ctx, f)
	}
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// A ContextTokenSource fetches a token that a call needs with that call's
// context, so that the fetch ends with the call (its deadline, the
// Client's Timeout). WithTokenSource uses TokenContext when a source has
// it, as the vendor packages' sources do. A plain oauth2.TokenSource's
// Token runs as the source was built, on a goroutine of its own that a
// call stops waiting for when its context ends (the fetch goes on until
// the source returns, and the next call that needs a token waits for it).
type ContextTokenSource interface {
	oauth2.TokenSource
	TokenContext(ctx context.Context) (*oauth2.Token, error)
}

// tokenError is a failed token fetch; Do returns its cause. Its text is
// redacted: a source's error may quote its token endpoint's URL.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "fetching token: " + redact.Text(e.err.Error()) }

// Unwrap returns the cause, without net/http's *url.Error, whose text
// holds the whole URL.
func (e *tokenError) Unwrap() error { return unwrapURLError(e.err) }

// RetrieveAPIError decodes the HTTP failure an *oauth2.RetrieveError holds
// with v's rules.
func RetrieveAPIError(v Vendor, re *oauth2.RetrieveError) *APIError {
	resp := *re.Response
	resp.Body = http.NoBody
	if len(re.Body) > 0 {
		resp.Body = io.NopCloser(bytes.NewReader(re.Body))
		resp.ContentLength = int64(len(re.Body))
	}
	apiErr := v.DecodeError(&resp)
	if apiErr.Message == "" && re.ErrorDescription != "" {
		apiErr.Message = re.ErrorDescription
	}
	if apiErr.Code == "" && re.ErrorCode != "" {
		apiErr.Code = re.ErrorCode
	}
	return apiErr
}
