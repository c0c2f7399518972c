package iotapitest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"

	"github.com/jarcoal/httpmock"
)

// Responder returns an httpmock responder that answers with r, for tests
// that mock the transport instead of running a server:
//
//	mock := httpmock.NewMockTransport()
//	mock.RegisterResponder("GET", "https://api.example/v1/x", iotapitest.MustLookup("dt", "503").Responder())
func (r Response) Responder() httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		return record(r.ServeHTTP, req)
	}
}

// Responder returns an httpmock responder that follows the plan: each call
// takes the plan's next step. A Reset step fails the round trip with
// ECONNRESET; a Delay step waits (or ends with the request's context).
func (p *Plan) Responder() httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		return record(p.ServeHTTP, req)
	}
}

// errReset is the round-trip error a Reset step gives through httpmock.
var errReset = fmt.Errorf("iotapitest: connection reset: %w", syscall.ECONNRESET)

// record runs a handler in memory and returns its response.
func record(h http.HandlerFunc, req *http.Request) (resp *http.Response, err error) {
	rec := &recorder{ResponseRecorder: httptest.NewRecorder()}
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			resp, err = nil, errReset // a handler that aborts drops the connection
		}
	}()
	h(rec, req)
	if rec.hijacked {
		return nil, errReset
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	resp = rec.Result()
	resp.Request = req
	return resp, nil
}

// recorder is a ResponseRecorder that Reset can hijack.
type recorder struct {
	*httptest.ResponseRecorder
	hijacked bool
}

// Hijack marks the response as a dropped connection; Reset asks for it.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.hijacked = true
	return nil, nil, errInMemory
}

var errInMemory = errors.New("iotapitest: in-memory response: no connection to hijack")
