package iotapi

import "errors"

// Why the retry client stopped before its retries were used up. They come
// back as APIError.Err, or wrapped in the error of a failed request, so
// errors.Is(err, iotapi.ErrRetryBudgetExhausted) tells them apart.
var (
	// ErrRetryBudgetExhausted: most recent calls through this client failed,
	// so it stopped retrying to keep from adding load to a struggling vendor.
	// Retries resume as calls succeed again.
	ErrRetryBudgetExhausted = errors.New("not retried: too many recent calls failed, so the client paused retries to avoid adding load (they resume as calls succeed)")

	// ErrRetryAfterTooLong: the vendor asked for a longer wait than
	// WithMaxRetryAfter allows; APIError.RetryAfter says how long, for the
	// caller to schedule.
	ErrRetryAfterTooLong = errors.New("not retried: the server asked to wait longer than the client's maximum wait; see RetryAfter to schedule a later call")

	// ErrNotReplayable: the request is not idempotent and the vendor may have
	// processed it (500, 502, 504, or a connection lost after the request
	// was sent), or its body cannot be sent again. Set an Idempotency-Key
	// header or use WithRetryNonIdempotent to allow the retry; give the
	// request a GetBody to make its body replayable.
	ErrNotReplayable = errors.New("not retried: the request may already have been processed or its body cannot be sent again (add an Idempotency-Key header to allow retries)")

	// ErrStaleToken: the token source returned the token the vendor had
	// just rejected, so replaying the request could not succeed. A source
	// that caches tokens itself (oauth2.ReuseTokenSource) does this; give
	// WithTokenSource one that fetches on each call.
	ErrStaleToken = errors.New("the token source returned the token the vendor just rejected; it must fetch a new token on each call (not cache)")
)
