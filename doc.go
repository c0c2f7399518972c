// Package iotapi is the core of a Go client SDK for five IoT and telematics
// vendor APIs: Tellus Open Platform (package tellus), Telemax (telemax),
// T IoT Hub (tiot), DT sensor cloud (dt) and Endpoint Manager (endpointmgr).
//
// Each vendor reports errors its own way. Each vendor package's
// CheckResponse decodes them into one [APIError], so application code
// branches on normalized kinds:
//
//	if err := dt.CheckResponse(resp); err != nil {
//		switch {
//		case errors.Is(err, iotapi.NotFound):
//			// ...
//		case iotapi.IsRetryable(err):
//			// ...
//		}
//		var apiErr *iotapi.APIError
//		if errors.As(err, &apiErr) {
//			log.Printf("vendor request id %s", apiErr.RequestID)
//		}
//	}
//
// Decoding never panics and never loses the response: any non-2xx status
// gives an *APIError with that status, whatever the body (HTML, empty,
// truncated, gzip, several megabytes), at most [BodyLimit] bytes are read
// into it, and the caller can still read the whole body. Credentials in
// headers and URLs never appear in an error.
//
// # Retries, tokens and rate limits
//
// [NewClient] wraps an *http.Client and [NewTransport] an
// http.RoundTripper with retries by the vendor's documented rules (see each
// vendor package), token refresh and pacing. Their options, with defaults:
//
//	option                       default                  effect
//	WithMaxRetries(n)            3                        retries after the first attempt
//	WithBackoff(min, max)        1 s, 20 s                retry n waits between min·2ⁿ and min·2ⁿ⁺¹, at most max; vendor floors still hold
//	WithMaxRetryAfter(d)         60 s                     a longer server-directed wait is returned (ErrRetryAfterTooLong), not slept
//	WithRetryBudget(rb)          20 + 0.5 per healthy answer, per 10 s  retries in any window; WithoutRetryBudget() turns it off
//	WithRetryNonIdempotent()     off                      replay POST/PATCH after failures the vendor may have processed
//	WithMaxBufferedBody(n)       1 MiB                    buffer bound for request bodies without GetBody
//	WithLogger(l)                none (silent)            slog line per retry and per early stop, URLs redacted
//	WithOnRetry(f)               none                     callback per retry, for metrics
//	WithTokenSource(ts)          none                     bearer token per attempt, cached, refreshed ahead of expiry and once on rejection
//	WithTokenMargin(d)           30 s                     how long before expiry a cached token is replaced
//	WithTokenCache(c)            in process               where the token is kept (a shared cache serves many replicas)
//	WithRateLimit(l)             none                     every attempt waits for l (RateLimit.NewLimiter, AdaptiveLimiter, *rate.Limiter)
//	WithHooks(h)                 none                     observe calls, attempts, waits and token fetches (tracing, metrics)
//	WithCircuitBreaker(b)        none                     fail calls at once while the vendor keeps failing (NewCircuitBreaker)
//
// A call can set its own retries, longest Retry-After and non-idempotent
// opt-in through its context: [WithCallOptions].
//
// # How a call flows
//
// [Client.Do] and the Transport's RoundTrip (retry.go) hand the request to
// the call loop (loop.go), which is go-retryablehttp's: it sends each
// attempt through the base RoundTripper, paced by the limiter (pacing.go).
// After each attempt its CheckRetry hook decodes a failed response with
// the vendor's rules (vendor.go, response.go) and asks the retry policy
// (policy.go): one function, decide, holding every rule in order, from
// "the context ended" to "the retry budget is spent" (budget.go). The
// loop sleeps the wait the policy planned (its Backoff hook returns it),
// and its PrepareRetry hook gives the next attempt a fresh body
// (replay.go) and token (token.go). When the loop ends, the call's outcome
// (the last response or error, the attempts sent, and why retrying
// stopped) becomes the response, an [*APIError] or a [*RequestError].
// Retries are reported to WithOnRetry and WithLogger (events.go).
//
// Everything exported is safe for concurrent use; no goroutine outlives a
// call.
package iotapi
