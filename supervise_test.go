//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows

package pidfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestSignalNotRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	if _, err := Signal(path, os.Kill); !errors.Is(err, ErrNotRunning) {
		t.Errorf("no file: %v, want ErrNotRunning", err)
	}
	decoy := startHelper(t, "decoy", path, "")
	decoy.Expect("ready ")
	// The content names a live process, but nobody holds the lock.
	writeFile(t, path, strconv.Itoa(decoy.PID())+"\n")
	if _, err := Signal(path, os.Kill); !errors.Is(err, ErrNotRunning) {
		t.Errorf("unheld file: %v, want ErrNotRunning", err)
	}
	if !decoy.Answers() {
		t.Error("Signal signalled the process named by an unheld pidfile")
	}
	if lockedElsewhere(t, path) {
		t.Error("Signal left the lock held")
	}
}

func TestSignalRejectsNonSyscallSignal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := Signal(path, fakeSignal{}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Signal of a signal that is not a syscall.Signal: %v, want errors.ErrUnsupported", err)
	}
}

type fakeSignal struct{}

// Signal(os.Kill) ends the holder, on every system, and nobody else.
func TestSignalKillEndsHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	decoy := startHelper(t, "decoy", "", "")
	decoy.Expect("ready ")
	h := startHolder(t, path)
	if pid, err := Signal(path, syscall.Signal(0)); pid != h.PID() || err != nil {
		t.Fatalf("Signal 0 = %d, %v; want %d", pid, err, h.PID())
	}
	if !h.Answers() {
		t.Fatal("signal 0 ended the holder")
	}
	if pid, err := Signal(path, os.Kill); pid != h.PID() || err != nil {
		t.Fatalf("Signal(os.Kill) = %d, %v; want %d", pid, err, h.PID())
	}
	if h.Wait().Success() {
		t.Error("the holder exited normally; want it killed")
	}
	if !decoy.Answers() {
		t.Error("Signal(os.Kill) ended another process")
	}
	if lockedElsewhere(t, path) {
		t.Error("the killed holder's lock was not released")
	}
}

func (fakeSignal) String() string { return "fake" }
func (fakeSignal) Signal()        {}

// Wait blocks while the lock is held and returns once it is released, in
// each way a holder can let go.
func TestWaitReturnsWhenReleased(t *testing.T) {
	for _, how := range []string{"close", "exit", "SIGKILL"} {
		t.Run(how, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			h := startHolder(t, path)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := Wait(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Wait while held = %v, want DeadlineExceeded", err)
			}
			done := make(chan error, 1)
			go func() { done <- Wait(context.Background(), path) }()
			release(t, h, how)
			if err := <-done; err != nil {
				t.Fatalf("Wait after %s: %v", how, err)
			}
			if lockedElsewhere(t, path) {
				t.Error("Wait returned with a lock still held")
			}
		})
	}
}

// release makes the holder h let go of its lock: by Close, by exit or by
// SIGKILL.
func release(t *testing.T, h *helper, how string) {
	t.Helper()
	switch how {
	case "close":
		h.Send("release")
		h.Expect("released")
	case "exit":
		h.Exit()
	case "SIGKILL":
		h.Kill()
	}
}

func TestWaitWithoutHolderReturnsAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a wait would fail; there must be none
	if err := Wait(ctx, path); err != nil {
		t.Errorf("no file: %v", err)
	}
	writeFile(t, path, "1\n")
	if err := Wait(ctx, path); err != nil {
		t.Errorf("unheld file: %v", err)
	}
}

func TestClaimContextWaitsForHolder(t *testing.T) {
	for _, how := range []string{"close", "exit", "SIGKILL"} {
		t.Run(how, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			h := startHolder(t, path)
			type result struct {
				g   *Guard
				err error
			}
			done := make(chan result, 1)
			go func() {
				g, err := ClaimContext(context.Background(), path)
				done <- result{g, err}
			}()
			release(t, h, how)
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			defer r.g.Close()
			if got := readFile(t, path); got != ownPID() {
				t.Errorf("content %q, want %q", got, ownPID())
			}
		})
	}
}

// A canceled wait leaves no goroutine behind, no lock held, and says who
// held the lock.
func TestCancelLeavesNothingBehind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	h := startHolder(t, path)
	before := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() {
		_, err := ClaimContext(ctx, path)
		done <- err
	}()
	go func() { done <- Wait(ctx, path) }()
	cancel()
	for range 2 {
		err := <-done
		if !errors.Is(err, context.Canceled) {
			t.Errorf("after cancel: %v, want context.Canceled", err)
		}
		var le *LockedError
		if errors.As(err, &le) && (le.PID != h.PID() || !errors.Is(err, ErrLocked)) {
			t.Errorf("ClaimContext: %v, want ErrLocked naming %d", err, h.PID())
		}
	}
	if !goroutinesSettle(before) {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
	}
	h.Exit()
	if lockedElsewhere(t, path) {
		t.Error("a canceled call left the lock held")
	}
}

func TestVerifyAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	g.Close()
	if err := g.Verify(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Verify after Close = %v, want os.ErrClosed", err)
	}
}
