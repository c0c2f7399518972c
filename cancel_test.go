package iotapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// stalledBody sends a few bytes, then blocks until the request ends.
type stalledBody struct {
	ctx  context.Context
	sent bool
}

func (b *stalledBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, `{"a":`), nil
	}
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}

// Every wait ends with the caller: a call whose deadline passes at any
// stage returns within moments of it, with an error matching
// context.DeadlineExceeded (or, when the response itself came in time, a
// body whose read fails with it), or context.Canceled when the caller
// cancels, through the Client and the Transport.
func TestDeadline_EndsEveryStage(t *testing.T) {
	const deadline = 100 * time.Millisecond
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-never:
		}
	}
	tokens, _ := hangingTokenEndpoint(t)
	stages := []struct {
		name    string
		handler http.HandlerFunc
		opts    func(url string) []iotapi.Option
		body    bool // the request body stalls
		readAll bool // the response comes; reading its body is what waits
		cancel  bool // the caller cancels (a wait past a deadline is not even begun)
	}{
		{name: "before the call", handler: http.HandlerFunc(iotapitest.OK(`{}`))},
		{name: "waiting for the rate limiter", handler: http.HandlerFunc(iotapitest.OK(`{}`)), opts: func(string) []iotapi.Option {
			l := rate.NewLimiter(rate.Every(time.Hour), 1)
			l.Allow() // spent: the next wait is an hour
			return []iotapi.Option{iotapi.WithRateLimit(&slowLimiter{l})}
		}},
		{name: "fetching the token", handler: http.HandlerFunc(iotapitest.OK(`{}`)), opts: func(string) []iotapi.Option {
			return []iotapi.Option{iotapi.WithTokenSource(dt.OAuth2(context.Background(), tokens.URL, "id", "secret"))}
		}},
		{name: "waiting for the answer", handler: hang},
		{name: "sending the body", handler: func(w http.ResponseWriter, r *http.Request) { _, _ = io.ReadAll(r.Body) }, body: true},
		{name: "waiting to retry", cancel: true, handler: iotapitest.MustLookup("dt", "503").WithHeader("Retry-After", "5").ServeHTTP},
		{name: "reading the body", readAll: true, handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"devices":[`))
			w.(http.Flusher).Flush()
			hang(w, r)
		}},
	}
	var mu sync.Mutex
	var overruns []time.Duration
	for _, st := range stages {
		for _, via := range []string{"Client", "Transport"} {
			t.Run(st.name+" via "+via, func(t *testing.T) {
				srv := httptest.NewServer(st.handler)
				defer srv.Close()
				var opts []iotapi.Option
				if st.opts != nil {
					opts = st.opts(srv.URL)
				}
				var d interface {
					Do(*http.Request) (*http.Response, error)
				} = iotapi.NewClient(&http.Client{}, dt.Vendor, opts...)
				if via == "Transport" {
					d = &http.Client{Transport: iotapi.NewTransport(nil, dt.Vendor, opts...)}
				}
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				if st.cancel {
					ctx, cancel = context.WithCancel(context.Background())
					time.AfterFunc(deadline, cancel)
				}
				defer cancel()
				if st.name == "before the call" {
					cancel()
				}
				var body io.Reader
				if st.body {
					body = &stalledBody{ctx: ctx}
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, body)
				req.Header.Set("Idempotency-Key", "k")
				end := time.Now().Add(deadline)
				var err error
				ends(t, 10*time.Second, func() {
					var resp *http.Response
					resp, err = d.Do(req)
					if err == nil {
						_, err = io.ReadAll(resp.Body)
						resp.Body.Close()
					}
				})
				over := time.Since(end)
				require.Error(t, err)
				if st.name == "before the call" {
					assert.ErrorIs(t, err, context.Canceled)
					return
				}
				if st.cancel {
					assert.ErrorIs(t, err, context.Canceled)
				} else {
					assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
				}
				mu.Lock()
				overruns = append(overruns, over)
				mu.Unlock()
			})
		}
	}
	sort.Slice(overruns, func(i, j int) bool { return overruns[i] < overruns[j] })
	if len(overruns) > 0 {
		t.Logf("%d stages ended by a %v deadline; worst overrun %v, median %v", len(overruns), deadline,
			overruns[len(overruns)-1].Round(time.Millisecond), overruns[len(overruns)/2].Round(time.Millisecond))
	}
}

// slowLimiter is a Limiter that waits even when the wait would pass the
// deadline (unlike *rate.Limiter, which refuses at once).
type slowLimiter struct{ l *rate.Limiter }

func (s *slowLimiter) Wait(ctx context.Context) error {
	r := s.l.Reserve()
	t := time.NewTimer(r.Delay())
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}
