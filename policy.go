package iotapi

import (
	"context"
	"fmt"
	"time"
)

// attempt is what one attempt came back with.
type attempt struct {
	status  int       // the response's status; 0 when none came
	failure *APIError // the decoded response, for a status of 400 or more
	rule    RetryRule // the vendor's rule for that status, if it has one
	err     error     // the transport error, when no response came
}

// verdict is the policy's answer to an attempt.
type verdict struct {
	retry      bool          // send the request again after wait
	replay     bool          // the retry is the token replay: not one of the caller's retries
	freshToken bool          // the retry must carry a newly fetched token
	wait       time.Duration // the wait before the retry (with ErrRetryAfterTooLong: the wait refused)
	why        error         // why the call stops before its retries run out; nil when the answer is final
}

// final is the verdict on an answer that stands: a success, a failure no
// retry can mend, or the last of the retries.
var final = verdict{}

func stop(why error) verdict { return verdict{why: why} }

// decide is the retry policy: every rule in order, the first that applies
// deciding. It reads the call's history and the attempt, and changes
// nothing but the retry budget, which a retry draws on, as the last rule.
func decide(c *call, a *attempt) verdict {
	lim := &c.limits

	// The caller's context ended: its time is spent.
	if err := c.ctx.Err(); err != nil {
		return stop(err)
	}

	// A success.
	if a.err == nil && a.status < 400 {
		return final
	}

	// A rejected token, not yet refreshed in this call: the vendor did not
	// act on the request, so it is sent once more with a new token,
	// whatever its method. The replay is not one of the caller's retries.
	// A body that cannot be sent again stops the replay as it stops a retry.
	if c.canRefresh() && !lim.noReplay && a.failure != nil && (a.failure.Kind == TokenExpired || a.failure.Kind == Unauthenticated) {
		if !c.body.replayable {
			return stop(ErrNotReplayable)
		}
		return verdict{retry: true, replay: true, freshToken: true}
	}

	// An answer the vendor's documents say a retry cannot change.
	if a.failure != nil && !a.failure.Retryable || a.failure == nil && !IsRetryable(a.err) {
		return final
	}

	// No retries left.
	if c.retries >= lim.maxRetries {
		return final
	}

	// The vendor may have acted on a request that is not idempotent.
	if !c.idempotent && !lim.retryNonIdempotent && maybeProcessed(a) {
		return stop(ErrNotReplayable)
	}

	// The vendor's cap on retries of this status (T IoT's 500: once).
	if a.rule.MaxRetries > 0 && c.capped[a.status] >= a.rule.MaxRetries {
		return final
	}

	// The vendor asks for a longer wait than the caller accepts.
	if a.failure != nil && a.failure.RetryAfter > lim.maxRetryAfter {
		return stop(ErrRetryAfterTooLong)
	}

	// The wait: backoff or Retry-After, escalated, never below the
	// vendor's floor. A vendor-directed wait longer than the caller
	// accepts is refused like a long Retry-After.
	wait, directed := c.plannedWait(a)
	if directed > lim.maxRetryAfter {
		return verdict{wait: directed, why: ErrRetryAfterTooLong}
	}

	// A body that cannot be sent again.
	if !c.body.replayable {
		return stop(ErrNotReplayable)
	}

	// A wait that would outlast the caller's deadline is not begun.
	if deadline, ok := c.ctx.Deadline(); ok && time.Until(deadline) < wait {
		return stop(fmt.Errorf("not retried: the wait of %v would outlast the request's deadline: %w", wait, context.DeadlineExceeded))
	}

	// The retry budget is spent: recent calls failed too often. A retry
	// after a timeout counts twice.
	cost := int64(1)
	if isTimeout(a.err) {
		cost = 2
	}
	if !c.e.budget.take(cost) {
		return stop(ErrRetryBudgetExhausted)
	}

	// Retry. A failure that may be the credentials' fault (a T IoT 500)
	// gets a fresh token for its retry.
	return verdict{retry: true, wait: wait,
		freshToken: a.failure != nil && a.failure.Fault == FaultEither && c.canRefresh()}
}

// canRefresh reports whether the call sent a token it may still replace.
func (c *call) canRefresh() bool { return c.token != "" && !c.refreshed }

// maybeProcessed reports whether the vendor may have acted on the request
// despite the failure: any failed response but 429 and 503, and any
// transport error but a failed dial or name lookup.
func maybeProcessed(a *attempt) bool {
	if a.failure != nil {
		return !notProcessed(a.status)
	}
	return !notSent(a.err)
}

// plannedWait returns the wait before the next retry, and the part of it
// the vendor directed (Retry-After, an escalation, a documented floor).
func (c *call) plannedWait(a *attempt) (wait, directed time.Duration) {
	wait = c.e.cfg.backoff(c.retries)
	if a.failure == nil {
		return wait, 0
	}
	if ra := a.failure.RetryAfter; ra > 0 {
		wait, directed = ra, ra // the vendor knows better than a guess
	}
	if a.rule.Escalate && c.streak > 1 {
		doubled := 2 * c.wait
		if a.rule.MaxWait > 0 {
			doubled = min(doubled, a.rule.MaxWait)
		}
		if doubled > wait {
			wait, directed = doubled, doubled
		}
	}
	if a.rule.MinWait > wait {
		wait, directed = a.rule.MinWait, a.rule.MinWait
	}
	return wait, directed
}
