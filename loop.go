package iotapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/iotapi/iotapi/internal/redact"
)

// engine sends the calls of one Client or Transport: one vendor's rules,
// the options, and what its calls share (the retry budget, the token
// cache, the connection pool). It is safe for concurrent use.
type engine struct {
	vendor Vendor
	cfg    config
	budget *budget
	tokens *tokens // nil without WithTokenSource

	// hc sends each attempt, through the base RoundTripper and the
	// limiter (see attemptTransport).
	hc *http.Client

	// copyHeaders gives each attempt its own copy of the caller's headers:
	// the token is set on it, and with a Jar net/http adds cookies by
	// modifying the request's Header.
	copyHeaders bool

	calls sync.Pool // of *call, see newCall
}

// newEngine returns an engine that sends through hc, whose Transport it
// sets to base (http.DefaultTransport if nil) paced by the limiter.
func newEngine(hc *http.Client, base http.RoundTripper, v Vendor, opts []Option) *engine {
	cfg := newConfig(opts)
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = attemptTransport{rt: base, limiter: cfg.limiter, breaker: cfg.breaker, waited: cfg.hooks.LimiterWait}
	e := &engine{vendor: v, cfg: cfg, hc: hc}
	if cfg.budget != nil {
		e.budget = newBudget(*cfg.budget, time.Now)
	}
	if cfg.tokenSource != nil {
		e.tokens = newTokens(&e.cfg, v)
	}
	e.copyHeaders = hc.Jar != nil || e.tokens != nil
	return e
}

// call is one call through the engine: the caller's request, what its
// attempts have shown so far, and the go-retryablehttp loop that sends
// them, whose hooks are the call's own methods:
//
//   - CheckRetry (checkRetry) decodes each attempt's answer and asks the
//     policy (decide) what to do;
//   - Backoff (backoff) returns the wait the policy planned, and the loop
//     sleeps it, ending the wait when the request's context ends;
//   - PrepareRetry (prepareRetry) gives the next attempt a fresh body and
//     its headers and token;
//   - ErrorHandler hands back the last response or error untouched
//     (PassthroughErrorHandler); the call knows the rest (see outcome).
//
// Hooks bound to the call let Backoff reach the plan even after a
// transport error, for which go-retryablehttp passes it no response (and
// so no request context). Binding three closures costs three allocations,
// so calls are kept in a pool and bound once: a call that succeeds at
// once allocates nothing here.
type call struct {
	loop retryablehttp.Client
	lreq retryablehttp.Request
	e    *engine
	callState
}

// callState is what one use of a call holds; it starts from zero.
type callState struct {
	ctx        context.Context // the caller's, with the Client's Timeout (and what CallStart added)
	req        *http.Request   // as the caller gave it: never modified
	limits     limits          // the client's settings, or the call's own (WithCallOptions)
	body       bodySource
	idempotent bool
	start      time.Time
	info       CallInfo        // for the hooks, when there are any
	actx       context.Context // the latest attempt's, from AttemptStart

	attempts  int           // attempts that went out (the limiter let them)
	attemptNo int           // the number of the latest attempt prepared, from 1
	latest    attempt       // what the latest attempt came back with
	streak    int           // responses in a row with the latest one's status
	retries   int           // retries planned, the token replay not counted
	capped    map[int]int   // retries per status, for rules with MaxRetries
	wait      time.Duration // the wait planned before the next attempt
	pending   bool          // a retry is planned and has not gone out
	replaying bool          // the planned or latest attempt is the token replay

	token     string // the access token of the latest attempt
	stale     string // a token the vendor rejected: never sent again
	refreshed bool   // the call has had its one token refresh

	stop error // why retrying stopped before the retries ran out

	out outcome // what the call came to, once run
}

// newCall returns a call for req, from the pool or bound anew.
func (e *engine) newCall(ctx context.Context, req *http.Request) *call {
	c, _ := e.calls.Get().(*call)
	if c == nil {
		c = &call{e: e}
		c.loop = retryablehttp.Client{
			HTTPClient:   e.hc,
			CheckRetry:   c.checkRetry,
			Backoff:      c.backoff,
			PrepareRetry: c.prepareRetry,
			ErrorHandler: retryablehttp.PassthroughErrorHandler,
		}
	}
	c.callState = callState{ctx: ctx, req: req, limits: e.cfg.limitsFor(ctx), idempotent: idempotent(req), start: time.Now()}
	// The policy decides every retry; the loop's own limit only has to
	// leave room for them all: the retries and the one token replay.
	c.loop.RetryMax = c.limits.maxRetries
	if e.tokens != nil {
		c.loop.RetryMax++
	}
	if e.cfg.hooks.CallStart != nil || e.cfg.hooks.AttemptStart != nil || e.cfg.hooks.AttemptEnd != nil || e.cfg.hooks.CallEnd != nil {
		c.info = CallInfo{Vendor: e.vendor.name, Method: req.Method, URL: redact.URL(req.URL)}
		if h := e.cfg.hooks.CallStart; h != nil {
			c.ctx = h(c.ctx, c.info)
		}
	}
	return c
}

// outcome is what a call came to.
type outcome struct {
	// resp is the final response, body readable, when the last attempt
	// got one and it is the answer.
	resp *http.Response
	// failure is the decoded failed response: resp's, or, when the next
	// attempt never went out, the latest attempt's (its body is closed).
	failure *APIError
	// err is why no response is the answer: the last attempt's transport
	// error, or what kept the first attempt from going out.
	err error
	// stop says why retrying stopped early, if it did: a reason such as
	// ErrRetryBudgetExhausted, the context's error, or the error that kept
	// a planned retry from going out.
	stop     error
	attempts int
}

// run sends the call's request with retries and keeps what happened in
// c.out. (The outcome stays in the call, not on the stack, so that the
// frames a call waits under stay small: see BenchmarkWaitingCallMemory.)
func (c *call) run() {
	first, err := c.firstRequest()
	if err != nil {
		c.out = outcome{err: err}
		return
	}
	c.lreq.Request = first
	resp, err := c.loop.Do(&c.lreq)
	o := &c.out
	*o = outcome{attempts: c.attempts, stop: c.stop}
	switch {
	case c.pending: // the context ended during the wait, or the retry could not be prepared
		if resp != nil {
			drain(resp.Body) // go-retryablehttp has drained it already, unless it ran out of attempts
		}
		o.failure, o.err, o.stop = c.latest.failure, c.latest.err, err
	case err != nil:
		o.err = c.latest.err
		if o.err == nil {
			o.err = err
		}
	default:
		o.resp, o.failure = resp, c.latest.failure
	}
}

// release returns a finished call to the pool.
func (e *engine) release(c *call) {
	c.callState = callState{}
	c.lreq.Request = nil
	e.calls.Put(c)
}

// firstRequest returns the request of the first attempt: the caller's own
// when nothing about it has to change, else a shallow copy with the
// call's context, a replayable body, and the attempt's headers.
func (c *call) firstRequest() (*http.Request, error) {
	src, body, err := newBodySource(c.req, c.e.cfg.maxBufferedBody)
	if err != nil {
		return nil, err
	}
	c.body = src
	c.attemptNo, c.actx = 1, c.ctx
	r := c.req
	if c.ctx == r.Context() && body == r.Body && !c.e.copyHeaders && c.e.cfg.hooks.AttemptStart == nil {
		return r, nil
	}
	r = r.WithContext(c.ctx)
	r.Body = body
	if r.GetBody == nil {
		r.GetBody = src.get // net/http's own retry on a dead connection uses it too
	}
	if err := c.prepare(r); err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	return r, nil
}

// checkRetry is go-retryablehttp's CheckRetry: it records the attempt,
// asks the policy, and acts on the verdict.
func (c *call) checkRetry(_ context.Context, resp *http.Response, err error) (bool, error) {
	c.observe(resp, err)
	v := decide(c, &c.latest)
	c.record(v)
	if v.retry && resp != nil {
		// go-retryablehttp drains a retried response and keeps it in a
		// variable for the whole wait; its decoded copy is all the call
		// needs, so its headers need not be held that long.
		resp.Header = nil
	}
	return v.retry, nil
}

// backoff is go-retryablehttp's Backoff: the planned wait, which the loop
// sleeps. A client built to record its waits (iotapitest) hands the wait
// to the recorder and sleeps none.
func (c *call) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	if rec := c.e.cfg.recordWait; rec != nil {
		rec(c.wait)
		return 0
	}
	return c.wait
}

// prepareRetry is go-retryablehttp's PrepareRetry: it gives the copy of
// the request the loop is about to send a fresh body, and its headers.
func (c *call) prepareRetry(r *http.Request) error {
	// go-retryablehttp ends its wait when the request's context ends, but
	// when the timer fires at the same moment its select may pick the
	// timer: a call whose context has ended sends nothing more.
	if err := c.ctx.Err(); err != nil {
		return err
	}
	body, err := c.body.next()
	if err != nil {
		return err
	}
	r.Body = body
	c.attemptNo++
	if err := c.prepare(r); err != nil {
		body.Close()
		return err
	}
	c.pending = false
	return nil
}

// prepare finishes an attempt's request: its own copy of the caller's
// headers when it may change them, with the call's current token, and the
// attempt's context (AttemptStart).
func (c *call) prepare(r *http.Request) error {
	if c.e.copyHeaders {
		r.Header = attemptHeader(c.req.Header)
	}
	if c.e.tokens != nil && credentialsMayGo(c.req) {
		tok, err := c.e.tokens.get(c.ctx, c.stale)
		if err != nil {
			return err
		}
		c.token = tok
		r.Header["Authorization"] = []string{"Bearer " + tok}
	}
	if h := c.e.cfg.hooks.AttemptStart; h != nil {
		c.actx = h(c.ctx, AttemptInfo{CallInfo: c.info, Attempt: c.attemptNo, Replay: c.replaying})
		*r = *r.WithContext(c.actx)
	}
	return nil
}

// observe records an attempt's answer as the latest: it counts the
// attempt and decodes a failed response with the vendor's rules. (Its
// steps are functions of their own, so that the frames under the
// decoding, the deepest point of a call, stay small: see
// BenchmarkWaitingCallMemory.)
func (c *call) observe(resp *http.Response, err error) {
	if err == nil || !limited(err) {
		c.attempts++ // it went out
	}
	if err != nil {
		c.latest = attempt{err: unwrapURLError(err)}
		c.streak = 0
	} else {
		c.observeResponse(resp)
	}
	if c.e.cfg.hooks.AttemptEnd != nil {
		c.attemptEnded()
	}
}

// observeResponse records a response as the latest attempt's answer.
func (c *call) observeResponse(resp *http.Response) {
	c.e.budget.answered(resp.StatusCode)
	if resp.StatusCode == c.latest.status {
		c.streak++
	} else {
		c.streak = 1
	}
	c.latest = attempt{status: resp.StatusCode}
	if resp.StatusCode >= 400 {
		c.latest.failure = c.e.vendor.DecodeError(resp)
		c.failed()
	}
}

// failed completes the latest attempt's failure: the vendor's rule for its
// status, the token redacted if the vendor echoed it, and the breaker told.
func (c *call) failed() {
	a := &c.latest
	a.rule, _ = c.e.vendor.Rule(a.status)
	a.failure.Redact(c.token) // a vendor that echoes the token
	if b := c.e.cfg.breaker; b != nil {
		b.saw(a.failure)
	}
}

// attemptEnded reports the latest attempt to the AttemptEnd hook.
// The hook gets a copy of the failure, which the call goes on to complete.
func (c *call) attemptEnded() {
	a := &c.latest
	r := AttemptResult{StatusCode: a.status, Err: a.err}
	if a.failure != nil {
		r.Failure = a.failure.clone()
	}
	c.e.cfg.hooks.AttemptEnd(c.actx, AttemptInfo{CallInfo: c.info, Attempt: c.attemptNo, Replay: c.replaying}, r)
}

// record acts on the policy's verdict on the latest attempt: it keeps
// what later decisions read, and reports a retry to the Retry hook.
func (c *call) record(v verdict) {
	a := &c.latest
	c.pending = v.retry
	if !v.retry {
		c.stop = v.why
		if v.why == ErrRetryAfterTooLong && a.failure != nil {
			a.failure.RetryAfter = max(a.failure.RetryAfter, v.wait)
		}
		return
	}
	c.wait, c.replaying = v.wait, v.replay
	if v.freshToken {
		c.stale, c.refreshed = c.token, true
	}
	if !v.replay {
		c.retries++
		if a.rule.MaxRetries > 0 {
			if c.capped == nil {
				c.capped = make(map[int]int, 1)
			}
			c.capped[a.status]++
		}
	}
	if h := c.e.cfg.hooks.Retry; h != nil {
		h(c.ctx, RetryEvent{Vendor: c.e.vendor.name, Method: c.req.Method, URL: redact.URL(c.req.URL),
			Attempt: c.attempts, StatusCode: a.status, Err: a.cause(), Wait: c.wait, Replay: v.replay})
	}
}

// ended reports a call's outcome to the CallEnd hook.
func (c *call) ended() {
	h := c.e.cfg.hooks.CallEnd
	if h == nil {
		return
	}
	o := &c.out
	r := CallResult{Attempts: o.attempts, Failure: o.failure, Err: o.err, Stop: o.stop}
	switch {
	case o.resp != nil:
		r.StatusCode = o.resp.StatusCode
	case o.failure != nil:
		r.StatusCode = o.failure.StatusCode
	}
	h(c.ctx, c.info, r)
}
