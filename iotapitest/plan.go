package iotapitest

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/iotapi/iotapi/internal/sleep"
)

// An Action answers one request.
type Action func(w http.ResponseWriter, r *http.Request)

// Respond answers with a canned response.
func Respond(resp Response) Action { return resp.ServeHTTP }

// OK answers 200 with a JSON body.
func OK(body string) Action { return Respond(JSON(http.StatusOK, body)) }

// Reset drops the connection without a response: the client sees a reset
// connection (or EOF), as when a load balancer kills it.
func Reset() Action {
	return func(w http.ResponseWriter, _ *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic(http.ErrAbortHandler) // net/http closes the connection
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // RST instead of FIN
		}
		_ = conn.Close()
	}
}

// Delay waits d, or until the client gives up, then acts.
func Delay(d time.Duration, then Action) Action {
	return func(w http.ResponseWriter, r *http.Request) {
		if sleep.For(r.Context(), d) == nil {
			then(w, r)
		}
	}
}

// A Step is one stage of a Plan: an action for a number of calls.
type Step struct {
	times  int // 0: every remaining call
	action Action
}

// Times answers the next n calls with a.
func Times(n int, a Action) Step { return Step{times: max(n, 1), action: a} }

// Always answers every remaining call with a.
func Always(a Action) Step { return Step{action: a} }

// A Plan answers requests from a script of steps taken in order; the last
// step also answers every call after the script runs out. A Plan is an
// http.Handler: serve it with httptest.NewServer.
type Plan struct {
	steps []Step

	mu    sync.Mutex
	calls int
}

// NewPlan returns a Plan of the given steps. With no steps it answers 200
// with an empty JSON object.
func NewPlan(steps ...Step) *Plan {
	if len(steps) == 0 {
		steps = []Step{Always(OK(`{}`))}
	}
	return &Plan{steps: steps}
}

// ServeHTTP answers the request with the action the script gives it.
func (p *Plan) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	n := p.calls
	p.calls++
	p.mu.Unlock()
	p.action(n)(w, r)
}

// action returns the action for the call numbered n (from 0).
func (p *Plan) action(n int) Action {
	for _, s := range p.steps {
		if s.times == 0 || n < s.times {
			return s.action
		}
		n -= s.times
	}
	return p.steps[len(p.steps)-1].action
}

// Calls returns how many requests the plan has answered or is answering.
func (p *Plan) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}
