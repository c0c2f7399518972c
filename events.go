package iotapi

import (
	"errors"
	"log/slog"
	"time"

	"github.com/iotapi/iotapi/internal/redact"
)

// RetryEvent describes a retry about to happen; see WithOnRetry.
type RetryEvent struct {
	Vendor     string
	Method     string
	URL        string        // with credentials redacted
	Attempt    int           // the attempt that failed, from 1
	StatusCode int           // its HTTP status; 0 for a transport error
	Err        error         // its *APIError, or the transport error
	Wait       time.Duration // the wait before the next attempt
}

// retrying reports a planned retry to the callback and the logger.
func (e *engine) retrying(c *call) {
	if e.cfg.onRetry == nil && e.cfg.logger == nil {
		return
	}
	ev := RetryEvent{Vendor: e.vendor.name, Method: c.req.Method, URL: redact.URL(c.req.URL),
		Attempt: c.attempts, StatusCode: c.latest.status, Err: c.latest.cause(), Wait: c.wait}
	if e.cfg.onRetry != nil {
		e.cfg.onRetry(ev)
	}
	if l := e.cfg.logger; l != nil {
		l.LogAttrs(c.ctx, slog.LevelInfo, "iotapi: retrying",
			slog.String("vendor", ev.Vendor), slog.String("method", ev.Method), slog.String("url", ev.URL),
			slog.Int("attempt", ev.Attempt), slog.Int("status", ev.StatusCode),
			slog.Duration("wait", ev.Wait), slog.String("reason", reason(ev.Err)))
	}
}

// stopped logs why retrying stopped early.
func (e *engine) stopped(c *call, why error) {
	if l := e.cfg.logger; l != nil {
		l.LogAttrs(c.ctx, slog.LevelWarn, "iotapi: not retrying",
			slog.String("vendor", e.vendor.name), slog.String("method", c.req.Method),
			slog.String("url", redact.URL(c.req.URL)), slog.Int("attempt", c.attempts),
			slog.String("reason", reason(c.latest.cause())), slog.String("why", why.Error()))
	}
}

// cause is the attempt's failure as an error: its *APIError, or the
// transport error.
func (a *attempt) cause() error {
	if a.failure != nil {
		return a.failure
	}
	return a.err
}

// reason is the text of an attempt's failure for a log line: an APIError's
// own line, or the transport error without its URL.
func reason(err error) string {
	if err == nil {
		return ""
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	return unwrapURLError(err).Error()
}
