package redistest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Server is a redis-server of one test's own, which the test may pause
// without disturbing the others.
type Server struct {
	// Addr is where it listens.
	Addr string
	cmd  *exec.Cmd
}

// Start starts a redis-server for t on a free loopback port, with args
// added to its command line (its files go to a temporary directory), and
// stops it when t ends. Without
// redis-server on the PATH the test is skipped, or fails under CI=true.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redistest: CI=true needs redis-server on the PATH:", err)
		}
		t.Skip("redistest: no redis-server on the PATH")
	}
	addr, cmd, err := start(bin, append([]string{"--dir", t.TempDir()}, args...)...)
	if err != nil {
		t.Fatal("redistest:", err)
	}
	s := &Server{Addr: addr, cmd: cmd}
	t.Cleanup(func() {
		s.Resume()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return s
}

// Pause stops the server's process (SIGSTOP): it keeps its port and
// accepts connections, but answers nothing until Resume. The test's
// cleanup resumes it.
func (s *Server) Pause(t testing.TB) {
	t.Helper()
	if err := pause(s.cmd.Process); err != nil {
		t.Fatal("redistest: pause:", err)
	}
}

// Resume lets a paused server run again (SIGCONT).
func (s *Server) Resume() { _ = resume(s.cmd.Process) }

// Cluster makes the server, started with "--cluster-enabled yes", a
// cluster of one node that serves every slot, and waits until it says so.
func (s *Server) Cluster(t testing.TB) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rdb.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		t.Fatal("redistest: cluster:", err)
	}
	for {
		info, err := rdb.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("redistest: the cluster is not ready:", info, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
