package iotapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/endpointmgr"
	"github.com/iotapi/iotapi/iotapitest"
	"github.com/iotapi/iotapi/telemax"
	"github.com/iotapi/iotapi/tellus"
	"github.com/iotapi/iotapi/tiot"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestSecretsNeverLeave(t *testing.T) {
	plan := iotapitest.NewPlan(
		iotapitest.Times(1, echoing(iotapitest.MustLookup("dt", "503"))),
		iotapitest.Times(1, echoing(iotapitest.MustLookup("dt", "429").WithHeader("Retry-After", "1"))),
		iotapitest.Always(echoing(iotapitest.MustLookup("dt", "401"))),
	)
	srv := serve(t, plan)

	var logs bytes.Buffer
	var mu sync.Mutex
	var events []string
	c, _ := newClient(dt.Vendor,
		iotapi.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		iotapi.WithOnRetry(func(ev iotapi.RetryEvent) {
			mu.Lock()
			events = append(events, fmt.Sprintf("%+v %v", ev, ev.Err))
			mu.Unlock()
		}))

	_, err := c.Do(secretRequest(t, http.MethodPost, srv.URL))
	var e *iotapi.APIError
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 401, e.StatusCode)
	assert.Len(t, events, 2)

	assertNoPlanted(t, "Error()", err.Error())
	assertNoPlanted(t, "the APIError", fmt.Sprintf("%+v %#v", e, *e))
	var hdr bytes.Buffer
	require.NoError(t, e.Header.Write(&hdr))
	assertNoPlanted(t, "APIError.Header", hdr.String())
	assertNoPlanted(t, "the slog output", logs.String())
	assertNoPlanted(t, "the retry events", strings.Join(events, "\n"))
	assert.Contains(t, logs.String(), "access_token=REDACTED", "the URL is logged, redacted")
}

func TestSecretsNeverLeave_NoResponse(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	var logs bytes.Buffer
	c, _ := newClient(dt.Vendor, iotapi.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err := c.Do(secretRequest(t, http.MethodGet, base))
	var re *iotapi.RequestError
	require.ErrorAs(t, err, &re)
	assertNoPlanted(t, "RequestError", err.Error())
	assertNoPlanted(t, "RequestError fields", fmt.Sprintf("%+v", *re))
	assertNoPlanted(t, "the slog output", logs.String())
}

func TestSecretsNeverLeave_Transport(t *testing.T) {
	srv := serve(t, iotapitest.NewPlan(iotapitest.Always(echoing(iotapitest.MustLookup("dt", "403")))))
	hc := &http.Client{Transport: iotapi.NewTransport(nil, dt.Vendor)}
	resp, err := hc.Do(secretRequest(t, http.MethodGet, srv.URL))
	require.NoError(t, err)
	defer resp.Body.Close()
	err = dt.CheckResponse(resp)
	var e *iotapi.APIError
	require.True(t, errors.As(err, &e))
	var hdr bytes.Buffer
	require.NoError(t, e.Header.Write(&hdr))
	assertNoPlanted(t, "Error()", err.Error())
	assertNoPlanted(t, "APIError.Header", hdr.String())
	_, _ = io.Copy(io.Discard, resp.Body)
}

// sinks gathers the text of every place a secret could leave by: error
// strings in every format, every field of the error, the support report as
// text and JSON, the retry events, the hooks' arguments, and the log at
// Debug level.
type sinks struct {
	mu   sync.Mutex
	text map[string]*strings.Builder
}

func (s *sinks) add(sink string, format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.text == nil {
		s.text = map[string]*strings.Builder{}
	}
	if s.text[sink] == nil {
		s.text[sink] = &strings.Builder{}
	}
	fmt.Fprintf(s.text[sink], format+"\n", args...)
}

// hooks records every hook's arguments, in full.
func (s *sinks) hooks() iotapi.Hooks {
	deref := func(e *iotapi.APIError) any {
		if e == nil {
			return nil
		}
		return *e
	}
	return iotapi.Hooks{
		CallStart:    func(ctx context.Context, c iotapi.CallInfo) context.Context { s.add("hooks", "%#v", c); return ctx },
		AttemptStart: func(ctx context.Context, a iotapi.AttemptInfo) context.Context { s.add("hooks", "%#v", a); return ctx },
		AttemptEnd: func(_ context.Context, a iotapi.AttemptInfo, r iotapi.AttemptResult) {
			s.add("hooks", "%#v %#v %v %#v", a, deref(r.Failure), r.Err, r.Err)
		},
		Retry: func(_ context.Context, ev iotapi.RetryEvent) {
			s.add("retry events", "%#v %v %+v", ev, ev.Err, ev.Err)
			for e := ev.Err; e != nil; e = errors.Unwrap(e) {
				s.add("retry events", "%v", e)
			}
		},
		TokenFetch:  func(_ context.Context, f iotapi.TokenFetch) { s.add("hooks", "%#v %v", f, f.Err) },
		LimiterWait: func(_ context.Context, w iotapi.LimiterWait) { s.add("hooks", "%#v", w) },
		CallEnd: func(_ context.Context, c iotapi.CallInfo, r iotapi.CallResult) {
			s.add("hooks", "%#v %#v %#v %v %v", c, r, deref(r.Failure), r.Err, r.Stop)
		},
	}
}

// errorSinks adds every view of err.
func (s *sinks) errorSinks(err error) {
	s.add("Error()", "%s", err.Error())
	s.add("fmt", "%v | %+v | %#v | %q", err, err, err, err)
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		s.add("the error chain", "%v %#v", e, e)
	}
	var apiErr *iotapi.APIError
	if errors.As(err, &apiErr) {
		s.add("APIError fields", "%#v", *apiErr)
		s.add("APIError fields", "%s|%s|%s|%s|%s|%#v", apiErr.Code, apiErr.Type, apiErr.Message, apiErr.RequestID, apiErr.DocURL, apiErr.Details)
		var h bytes.Buffer
		_ = apiErr.Header.Write(&h)
		s.add("APIError.Header", "%s", h.String())
		s.add("APIError.Body", "%s", apiErr.Body)
	}
	var re *iotapi.RequestError
	if errors.As(err, &re) {
		s.add("RequestError fields", "%#v %v", *re, re.Err)
	}
	if r, ok := iotapi.NewReport(err); ok {
		s.add("Report", "%s", r.String())
		j, _ := json.Marshal(r)
		s.add("Report JSON", "%s", j)
	}
}

// assertClean checks every sink for every planted credential, and returns
// how many secrets were looked for in how many sinks.
func (s *sinks) assertClean(t *testing.T) (looked int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for sink, text := range s.text {
		for name, secret := range planted {
			looked++
			assert.NotContainsf(t, text.String(), secret, "%s leaks the %s credential", sink, name)
		}
	}
	return looked
}

// The adversarial tour: every vendor, a vendor that echoes every
// credential of the request in its headers and in every text field of its
// body, the client's own token too; no planted secret in any sink.
func TestSecretsNeverLeave_EverySink(t *testing.T) {
	total := 0
	for _, v := range []iotapi.Vendor{dt.Vendor, tellus.Vendor, telemax.Vendor, tiot.Vendor, endpointmgr.Vendor} {
		for _, status := range []int{401, 503} {
			t.Run(fmt.Sprintf("%s %d", v.Name(), status), func(t *testing.T) {
				srv := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					echoCredentials(w.Header(), r)
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(status)
					_, _ = io.WriteString(w, echoBody(r))
				}))
				s := &sinks{}
				var logs bytes.Buffer
				src := &plantedSource{}
				c, _ := newClient(v, iotapi.WithHooks(s.hooks()), iotapi.WithTokenSource(src), iotapi.WithRetryNonIdempotent(),
					iotapi.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
				_, err := c.Do(secretRequest(t, http.MethodPost, srv.URL))
				require.Error(t, err)
				s.errorSinks(err)
				s.add("slog", "%s", logs.String())
				total += s.assertClean(t)

				// The same answer through the Transport and CheckResponse.
				tr := &http.Client{Transport: iotapi.NewTransport(nil, v, iotapi.WithTokenSource(src), iotapi.WithHooks(s.hooks()),
					iotapi.WithRecordedWaits(func(time.Duration) {}))}
				resp, err := tr.Do(secretRequest(t, http.MethodGet, srv.URL))
				require.NoError(t, err)
				s.errorSinks(v.CheckResponse(resp))
				resp.Body.Close()
				total += s.assertClean(t)
			})
		}
	}
	t.Logf("%d planted secrets looked for across the sinks: none found", total)
}

// plantedSource hands out tokens that are planted secrets too.
type plantedSource struct{ n atomic.Int64 }

func (s *plantedSource) Token() (*oauth2.Token, error) {
	n := s.n.Add(1)
	tok := fmt.Sprintf("token-PLANTED-t%d", n)
	plantedMu.Lock()
	planted[fmt.Sprintf("the client's token %d", n)] = tok
	plantedMu.Unlock()
	return &oauth2.Token{AccessToken: tok, Expiry: time.Now().Add(time.Hour)}, nil
}

var plantedMu sync.Mutex

// No response at all: a refused connection, retried, with every
// credential in the URL and the headers.
func TestSecretsNeverLeave_EverySinkWithoutAResponse(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	s := &sinks{}
	var logs bytes.Buffer
	c, _ := newClient(dt.Vendor, iotapi.WithHooks(s.hooks()),
		iotapi.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err := c.Do(secretRequest(t, http.MethodGet, base))
	var re *iotapi.RequestError
	require.ErrorAs(t, err, &re)
	s.errorSinks(err)
	s.add("slog", "%s", logs.String())
	looked := s.assertClean(t)
	assert.Contains(t, s.text["retry events"].String(), "connection refused", "the events were recorded")
	t.Logf("%d planted secrets looked for across the sinks: none found", looked)
}
