//go:build linux || windows

package pidfile

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// Wait sleeps between its checks while the lock is held on after the
// process that the content names has exited (those that inherited its
// descriptor hold it): an exited process that is not yet reaped wakes a
// wait on it at once, and Wait must not check again at once, round after
// round. The count of rounds in a fixed time is bounded by the backoff,
// however slow the machine: a slower one makes fewer.
func TestWaitSleepsWhileHeldAfterNamedExit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	must(t, os.WriteFile(path, nil, 0o644))
	holdForeignLock(t, path)
	exitedChild := startExitedUnreaped(t)
	must(t, os.WriteFile(path, []byte(strconv.Itoa(exitedChild)+"\n"), 0o644))
	rounds := 0
	testHookWaitRound = func() { rounds++ }
	defer func() { testHookWaitRound = nil }()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := Wait(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want the deadline", err)
	}
	// 5, 10, 20, 40, 80, 160 ms: seven rounds fit in 300 ms.
	if rounds > 8 {
		t.Errorf("Wait checked %d times in 300 ms: it did not sleep between checks", rounds)
	}
}

// startExitedUnreaped starts a child that exits at once, waits until it has
// exited, and returns its PID, which stays its own (a zombie on Unix, an
// object that this process's handle keeps on Windows) until the test ends.
func startExitedUnreaped(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(testproc.Environ(), testproc.RoleEnv+"=exit")
	must(t, cmd.Start())
	t.Cleanup(func() { cmd.Wait() })
	waitExitedUnreaped(t, cmd.Process.Pid)
	return cmd.Process.Pid
}
