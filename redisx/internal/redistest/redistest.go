// Package redistest provides a real Redis to redisx's tests: REDIS_ADDR if
// set, else a redis-server started on a free loopback port.
package redistest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// Addr is the Redis address for the tests, set by Main; empty when there
// is no Redis, in which case no test runs.
var Addr string

// errNoRedis reports that neither REDIS_ADDR nor redis-server was found.
var errNoRedis = errors.New("no REDIS_ADDR, and no redis-server on the PATH")

// Main runs the package's tests with a real Redis: REDIS_ADDR, or a
// redis-server from the PATH started here and stopped afterwards. A Redis
// that is there but does not answer fails the run, and so does a goroutine
// left running after the tests (goleak).
//
// Without any Redis, none of the package's tests run (it sets -test.run
// to match nothing), so go test ends the package's line with "[no tests
// to run]". That mark is the only thing go test prints for a passing
// package outside -v: a test that skipped would pass unseen. Under
// CI=true a missing Redis fails the run instead.
func Main(m *testing.M) {
	flag.Parse()
	addr, stop, err := find()
	switch {
	case errors.Is(err, errNoRedis) && os.Getenv("CI") != "true":
		fmt.Fprintln(os.Stderr, "redistest: no tests run without Redis:", err,
			"(apt-get install redis-server, or set REDIS_ADDR)")
		if err := errors.Join(flag.Set("test.run", "^$"), flag.Set("test.bench", "")); err != nil {
			fmt.Fprintln(os.Stderr, "redistest:", err)
			os.Exit(2)
		}
	case errors.Is(err, errNoRedis):
		fmt.Fprintln(os.Stderr, "redistest: CI=true needs a Redis:", err)
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "redistest:", err)
		os.Exit(1)
	}
	Addr = addr
	code := m.Run()
	if stop != nil {
		stop()
	}
	if code == 0 {
		// Redis calls given up at their bound may still be running
		// (until the client's read timeout): goleak waits for them.
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "redistest: goroutines left running after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// Require returns the Redis address. Main has made sure there is one
// before any test runs, so a test that finds none was run without Main.
func Require(t testing.TB) string {
	t.Helper()
	if Addr == "" {
		t.Fatal("redistest: no Redis: the package's TestMain must call redistest.Main")
	}
	return Addr
}

// find returns the Redis to test against, and a function that stops it
// when it was started here.
func find() (addr string, stop func(), err error) {
	if addr := os.Getenv("REDIS_ADDR"); addr != "" {
		if err := ping(addr, 2*time.Second); err != nil {
			return "", nil, fmt.Errorf("REDIS_ADDR=%s does not answer: %w", addr, err)
		}
		return addr, nil, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, errNoRedis
	}
	addr, cmd, err := start(bin)
	if err != nil {
		return "", nil, err
	}
	return addr, func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }, nil
}

// start runs redis-server on a free loopback port, without persistence,
// with args added, and waits until it answers.
func start(bin string, args ...string) (string, *exec.Cmd, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no"}, args...)...)
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("%s did not start: %w", bin, err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if err := ping(addr, 5*time.Second); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return "", nil, fmt.Errorf("%s on %s did not answer: %w", bin, addr, err)
	}
	return addr, cmd, nil
}

// ping waits up to d for the Redis at addr to answer PING.
func ping(addr string, d time.Duration) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
