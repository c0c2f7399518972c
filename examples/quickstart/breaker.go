package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/iotapi/iotapi"
	"github.com/iotapi/iotapi/dt"
	"github.com/iotapi/iotapi/iotapitest"
)

// runBreaker shows the circuit breaker: a simulated DT goes down, the
// breaker opens after five failures and fails calls at once, then lets a
// probe through after its cool-down and closes when DT is back.
func runBreaker(out io.Writer) error {
	var down atomic.Bool
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if down.Load() {
			iotapitest.MustLookup("dt", "503").ServeHTTP(w, r)
			return
		}
		iotapitest.OK(`{"devices":[]}`)(w, r)
	}))
	defer srv.Close()

	const coolDown = 200 * time.Millisecond
	breaker := iotapi.NewCircuitBreaker(iotapi.BreakerSettings{Failures: 5, CoolDown: coolDown})
	client := iotapi.NewClient(srv.Client(), dt.Vendor, iotapi.WithCircuitBreaker(breaker), iotapi.WithMaxRetries(0))
	call := func() error {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/projects/p1/devices", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}

	fmt.Fprintln(out, "Circuit breaker: DT goes down")
	down.Store(true)
	for i := 0; i < 8; i++ {
		start := time.Now()
		err := call()
		how := "sent"
		if errors.Is(err, iotapi.ErrCircuitOpen) {
			how = fmt.Sprintf("failed at once, in %v, without a request", time.Since(start).Round(time.Microsecond))
		}
		fmt.Fprintf(out, "  call %d: %s (breaker %v)\n", i+1, how, breaker.State())
	}
	fmt.Fprintf(out, "  DT saw %d requests for 8 calls\n", requests.Load())

	down.Store(false)
	time.Sleep(coolDown + 50*time.Millisecond)
	if err := call(); err != nil {
		return fmt.Errorf("the probe after DT came back: %w", err)
	}
	fmt.Fprintf(out, "  DT is back: after the %v cool-down a probe succeeded, breaker %v\n", coolDown, breaker.State())
	return nil
}
