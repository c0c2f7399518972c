package redisx_test

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

// redisAddr is the Redis the tests use: REDIS_ADDR, or a redis-server
// started here on a free loopback port. Empty when neither is available.
var redisAddr string

// TestMain provides a real Redis. Tests skip when none can be had locally;
// under CI=true a missing Redis fails the run instead.
func TestMain(m *testing.M) {
	redisAddr = os.Getenv("REDIS_ADDR")
	var stop func()
	if redisAddr == "" {
		var err error
		redisAddr, stop, err = startRedis()
		if err != nil {
			if os.Getenv("CI") == "true" {
				fmt.Fprintln(os.Stderr, "redisx: no Redis in CI:", err)
				os.Exit(1)
			}
			fmt.Fprintln(os.Stderr, "redisx: tests will skip:", err)
			redisAddr = ""
		}
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// startRedis runs redis-server on a free loopback port, without
// persistence, and waits until it answers.
func startRedis() (string, func(), error) {
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

// newRedis returns a client of its own (as a replica would have) on the
// test Redis, with the database flushed, or skips.
func newRedis(t *testing.T) *redis.Client {
	t.Helper()
	if redisAddr == "" {
		t.Skip("no Redis")
	}
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func flush(t *testing.T) {
	t.Helper()
	rdb := newRedis(t)
	if err := rdb.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}
