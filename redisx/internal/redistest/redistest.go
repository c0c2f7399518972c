// Package redistest provides a real Redis to redisx's tests: REDIS_ADDR if
// set, else a redis-server started on a free loopback port.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Addr is the Redis address for the tests, set by Main; empty when none
// could be had.
var Addr string

// Main runs the tests with a Redis: REDIS_ADDR, or a redis-server started
// here and stopped afterwards. Without one, tests that need it skip;
// under CI=true the run fails instead.
func Main(m *testing.M) {
	Addr = os.Getenv("REDIS_ADDR")
	var stop func()
	if Addr == "" {
		var err error
		if Addr, stop, err = start(); err != nil {
			if os.Getenv("CI") == "true" {
				fmt.Fprintln(os.Stderr, "redistest: no Redis in CI:", err)
				os.Exit(1)
			}
			fmt.Fprintln(os.Stderr, "redistest: tests that need Redis will skip:", err)
		}
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// Require skips the test when there is no Redis.
func Require(t testing.TB) string {
	t.Helper()
	if Addr == "" {
		t.Skip("no Redis")
	}
	return Addr
}

// start runs redis-server on a free loopback port, without persistence,
// and waits until it answers.
func start() (string, func(), error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for i := 0; i < 100; i++ {
		if rdb.Ping(context.Background()).Err() == nil {
			return addr, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("redis-server on %s did not answer", addr)
}
