package iotapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/iotapi/iotapi/internal/redact"
)

// callKey finds a call in its context.
type callKey struct{}

// call is the state of one call through the engine. It is the request's
// context for every attempt (so go-retryablehttp's hooks can find it, and
// one allocation carries both), delegating deadline and cancellation to the
// caller's context.
type call struct {
	parent context.Context
	engine *engine
	req    *http.Request
	body   bodySource

	idempotent bool
	attempts   int
	last       *APIError // the latest attempt's decoded error; nil if it did not fail with a response
	stop       error     // why retrying stopped early, if it did

	status    int           // status of the latest failed response
	streak    int           // failed responses in a row with that status
	retries   map[int]int   // retries made per status, for rules with MaxRetries
	wait      time.Duration // planned wait before the next attempt
	retryCost int64         // budget tokens held by the retry in flight

	start time.Time // when the call began, for reports

	token      string // the access token of the latest attempt (WithTokenSource)
	staleToken string // a token the vendor rejected: never send it again
	refreshed  bool   // the call has had its one token refresh
}

func newCall(parent context.Context) *call { return &call{parent: parent} }

func (c *call) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *call) Done() <-chan struct{}       { return c.parent.Done() }
func (c *call) Err() error                  { return c.parent.Err() }
func (c *call) Value(key any) any {
	if key == (callKey{}) {
		return c
	}
	return c.parent.Value(key)
}

// succeeded settles the budget after a response below 400.
func (c *call) succeeded() {
	if c.retryCost > 0 {
		c.engine.budget.release(c.retryCost)
		c.retryCost = 0
		return
	}
	c.engine.budget.release(1)
}

// afterTransportError decides whether to retry after a failed round trip.
func (c *call) afterTransportError(err error) bool {
	e := c.engine
	c.status, c.streak = 0, 0
	if !IsRetryable(err) || c.attempts > e.cfg.maxRetries {
		return false
	}
	if !c.idempotent && !e.cfg.retryNonIdempotent && !notSent(err) {
		e.stopped(c, ErrNotReplayable, err)
		return false
	}
	cost := int64(RetryCost)
	if isTimeout(err) {
		cost = RetryTimeoutCost
	}
	return c.plan(e.cfg.backoff(c.attempts-1), 0, cost, err)
}

// afterFailedResponse decodes a response of 400 or more and decides whether
// to retry it.
func (c *call) afterFailedResponse(resp *http.Response) bool {
	e := c.engine
	apiErr := e.vendor.decodeError(resp)
	c.last = apiErr
	if c.token != "" && strings.Contains(apiErr.Message, c.token) {
		apiErr.Message = strings.ReplaceAll(apiErr.Message, c.token, redact.Mask) // a vendor echoing the token
	}
	if resp.StatusCode == c.status {
		c.streak++
	} else {
		c.status, c.streak = resp.StatusCode, 1
	}
	if replay, retry := c.refreshToken(apiErr); replay {
		return retry // a rejected token is not processed: any method may be sent again
	}
	if !apiErr.Retryable || c.attempts > e.cfg.maxRetries {
		return false
	}
	if !c.idempotent && !e.cfg.retryNonIdempotent && !notProcessed(resp.StatusCode) {
		e.stopped(c, ErrNotReplayable, apiErr)
		return false
	}
	rule, _ := e.vendor.Rule(resp.StatusCode)
	if rule.MaxRetries > 0 && c.retries[resp.StatusCode] >= rule.MaxRetries {
		return false
	}
	if apiErr.RetryAfter > e.cfg.maxRetryAfter {
		e.stopped(c, ErrRetryAfterTooLong, apiErr)
		return false
	}

	wait := e.cfg.backoff(c.attempts - 1)
	if apiErr.RetryAfter > 0 {
		wait = apiErr.RetryAfter // the server knows better than a guess
	}
	if rule.Escalate && c.streak > 1 {
		doubled := 2 * c.wait
		if rule.MaxWait > 0 {
			doubled = min(doubled, rule.MaxWait)
		}
		wait = max(wait, doubled)
	}
	wait = max(wait, rule.MinWait)
	if !c.plan(wait, resp.StatusCode, RetryCost, apiErr) {
		return false
	}
	if rule.MaxRetries > 0 {
		if c.retries == nil {
			c.retries = make(map[int]int, 1)
		}
		c.retries[resp.StatusCode]++
	}
	return true
}

// plan commits to a retry after wait, unless the body cannot be replayed,
// the wait would outlive the caller's deadline, or the budget is spent.
func (c *call) plan(wait time.Duration, status int, cost int64, cause error) bool {
	e := c.engine
	if !c.body.replayable {
		e.stopped(c, ErrNotReplayable, cause)
		return false
	}
	if deadline, ok := c.parent.Deadline(); ok && time.Until(deadline) < wait {
		e.stopped(c, fmt.Errorf("not retried: the wait of %v would outlast the request's deadline: %w", wait, context.DeadlineExceeded), cause)
		return false
	}
	if c.retryCost > 0 {
		c.retryCost = 0 // the previous retry failed: its tokens are spent
	}
	if !e.budget.acquire(cost) {
		e.stopped(c, ErrRetryBudgetExhausted, cause)
		return false
	}
	c.retryCost, c.wait = cost, wait
	e.event(c, status, cause)
	return true
}
