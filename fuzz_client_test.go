package iotapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/internal/fixture"
	"github.com/iotapi/iotapi/iotapitest"
)

// script is a fuzzed server: one action per attempt, the last repeating.
type script struct {
	mu      sync.Mutex
	actions []byte
	served  []byte     // the action given to each attempt
	bodies  [][32]byte // the request body each attempt carried
}

// Actions a scripted server can take.
const (
	actOK byte = iota
	act429
	act500
	act503
	act504
	actReset
	actTruncated
	act404
	actHTML502
	actGarbage200
	numActions
)

// maybeProcessed: after these, a non-idempotent request must not be sent again.
func maybeProcessed(a byte) bool {
	return a == act500 || a == act504 || a == actReset || a == actTruncated || a == actHTML502
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.served)
	a := s.actions[min(n, len(s.actions)-1)] % numActions
	s.served = append(s.served, a)
	s.bodies = append(s.bodies, sha256.Sum256(body))
	s.mu.Unlock()
	w.Header().Set("Set-Cookie", "sid="+fixture.Secret)
	switch a {
	case actOK:
		iotapitest.OK(`{"ok":true}`)(w, r)
	case act429:
		iotapitest.Respond(iotapitest.MustLookup("dt", "429").WithHeader("Retry-After", fmt.Sprint(n%3)))(w, r)
	case act500:
		iotapitest.Respond(iotapitest.MustLookup("dt", "500"))(w, r)
	case act503:
		iotapitest.Respond(iotapitest.MustLookup("dt", "503"))(w, r)
	case act504:
		iotapitest.Respond(iotapitest.MustLookup("dt", "504"))(w, r)
	case actReset:
		iotapitest.Reset()(w, r)
	case actTruncated:
		// Headers and part of the body reach the client; then the
		// connection drops.
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"trunc`))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	case act404:
		iotapitest.Respond(iotapitest.MustLookup("dt", "404"))(w, r)
	case actHTML502:
		iotapitest.Respond(iotapitest.MustLookup("tellus", "html_gateway_502"))(w, r)
	case actGarbage200:
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("\xff\xfe not json"))
	}
}

// FuzzClient runs the retry client against a fuzzed server script.
// Properties: Do never panics; a nil error comes with a 2xx response; an
// *APIError carries the status of the last response the server sent; no
// more than MaxRetries+1 attempts are made (the server may see one more per
// reset, net/http's own resend of an idempotent request on a reused
// connection); every attempt carries the same
// request body, byte for byte; a POST without an Idempotency-Key is never
// sent again after a failure the server may have processed; Error() is one
// line with no planted secret.
func FuzzClient(f *testing.F) {
	for _, seed := range [][]byte{{actOK}, {act503, act503, actOK}, {act500, actOK}, {actReset, actOK}, {act429, act429, act429, act429, act429},
		{actTruncated, actOK}, {act504, act404}, {actHTML502, actGarbage200}, {act429, act500, act503, actReset, actOK}} {
		f.Add(seed, false, false, []byte(`{"name":"probe"}`))
		f.Add(seed, true, false, []byte(`{"name":"probe"}`))
		f.Add(seed, true, true, bytes.Repeat([]byte("x"), 5000))
	}
	s := &script{}
	srv := httptest.NewServer(s)
	defer srv.Close()
	const maxRetries = 3
	rec := &sleeps{}
	c := iotapi.NewClient(&http.Client{Timeout: 10 * time.Second}, dt.Vendor, iotapi.WithRecordedWaits(rec.record),
		iotapi.WithMaxRetries(maxRetries), iotapi.WithoutRetryBudget())

	f.Fuzz(func(t *testing.T, actions []byte, post, key bool, body []byte) {
		if len(actions) == 0 {
			actions = []byte{actOK}
		}
		s.mu.Lock()
		s.actions, s.served, s.bodies = actions, nil, nil
		s.mu.Unlock()

		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+"/v1/x?access_token="+fixture.Secret, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+fixture.Secret)
		if key {
			req.Header.Set("Idempotency-Key", "k")
		}
		resp, err := c.Do(req)
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}

		s.mu.Lock()
		served, bodies := s.served, s.bodies
		s.mu.Unlock()
		// net/http itself sends an idempotent request again, once, when a
		// reused connection is reset: the server may see one extra request
		// per reset it served, and no more.
		resets := bytes.Count(served, []byte{actReset})
		if len(served) > maxRetries+1+resets {
			t.Fatalf("%d requests, at most %d attempts + %d transport resends allowed (served %v)", len(served), maxRetries+1, resets, served)
		}
		want := sha256.Sum256(body)
		for i, b := range bodies {
			if b != want {
				t.Fatalf("attempt %d carried a different body", i+1)
			}
		}
		if post && !key {
			for i := 0; i < len(served)-1; i++ {
				if maybeProcessed(served[i]) {
					t.Fatalf("POST without Idempotency-Key replayed after action %d (served %v)", served[i], served)
				}
			}
		}
		if err == nil {
			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				t.Fatalf("nil error with status %d", resp.StatusCode)
			}
			return
		}
		line := err.Error()
		if strings.ContainsAny(line, "\r\n") || strings.Contains(line, fixture.Secret) {
			t.Fatalf("Error() = %q", line)
		}
		var apiErr *iotapi.APIError
		if errors.As(err, &apiErr) {
			last := served[len(served)-1]
			if wantStatus := map[byte]int{act429: 429, act500: 500, act503: 503, act504: 504, act404: 404, actHTML502: 502, actTruncated: 500}[last]; wantStatus != 0 && apiErr.StatusCode != wantStatus {
				t.Fatalf("APIError status %d, last served action %d", apiErr.StatusCode, last)
			}
			if apiErr.Attempts > len(served) || len(served)-apiErr.Attempts > resets {
				t.Fatalf("Attempts %d, server saw %d with %d resets", apiErr.Attempts, len(served), resets)
			}
		}
	})
}
