package pidfile

// What Windows adds or does differently: a held pidfile cannot be removed or
// renamed; other kinds of file to refuse; Signal does only os.Kill and 0.

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// While another process holds the pidfile, nobody can remove or rename it:
// the race of the package documentation cannot start. Its content stays
// readable.
func TestHeldFileCannotBeRemovedOrRenamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	h := startHolder(t, path)
	want := strconv.Itoa(h.PID()) + "\n"
	if got := readFile(t, path); got != want {
		t.Errorf("another process reads %q while the lock is held, want the holder's PID %q", got, want)
	}
	if err := os.Remove(path); err == nil {
		t.Error("a held pidfile was removed")
	}
	if err := os.Rename(path, path+".old"); err == nil {
		t.Error("a held pidfile was renamed")
	}
	if got := readFile(t, path); got != want {
		t.Errorf("after the attempts the file holds %q, want %q", got, want)
	}
	if r, err := Read(path); r != (LockedBy{PID: h.PID(), Source: FromContent}) || err != nil {
		t.Errorf("Read = %#v, %v; want the holder", r, err)
	}
	h.Exit()
	// Once nobody has it open, it is an ordinary file again.
	if err := os.Rename(path, path+".old"); err != nil {
		t.Errorf("rename after the holder exited: %v", err)
	}
}

// A Guard's own file cannot be removed either, so Verify stays nil.
func TestVerifyHeldFileStays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path)
	must(t, err)
	defer g.Close()
	os.Remove(path)
	os.Rename(path, path+".old")
	if err := g.Verify(); err != nil {
		t.Errorf("Verify = %v, want nil: the file cannot have been replaced", err)
	}
}

// Directories, hard-linked files and devices are refused, and nothing is
// written behind them.
func TestUnsafePathsAreRefusedOnWindows(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "dir.pid")
	must(t, os.Mkdir(sub, 0o755))
	target := filepath.Join(dir, "target")
	writeFile(t, target, secret)
	hard := filepath.Join(dir, "hard.pid")
	must(t, os.Link(target, hard))
	for name, tc := range map[string]struct{ path, why string }{
		"directory": {sub, "directory"},
		"hard link": {hard, "2 hard links"},
		"NUL":       {"NUL", "not a file on disk"},
	} {
		t.Run(name, func(t *testing.T) {
			for op, call := range claimAndRead {
				err := call(tc.path)
				if !errors.Is(err, ErrUnsafeFile) || !strings.Contains(err.Error(), tc.why) || !strings.Contains(err.Error(), tc.path) {
					t.Errorf("%s = %v; want ErrUnsafeFile naming the path and saying %q", op, err, tc.why)
				}
			}
		})
	}
	if got := readFile(t, target); got != secret {
		t.Errorf("the file behind the hard link changed to %q", got)
	}
}

// Windows has no polite signal: Signal terminates with os.Kill, checks with
// 0, and refuses anything else without touching the holder.
func TestSignalOtherSignalsUnsupported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	h := startHolder(t, path)
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, os.Interrupt} {
		if _, err := Signal(path, sig); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("Signal(%v) = %v, want errors.ErrUnsupported", sig, err)
		}
	}
	if !h.Answers() {
		t.Error("a refused signal reached the holder")
	}
}

// KeepOnExec has nothing to keep on Windows.
func TestKeepOnExecUnsupported(t *testing.T) {
	g, err := Claim(filepath.Join(t.TempDir(), "d.pid"))
	must(t, err)
	defer g.Close()
	if err := g.KeepOnExec(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("KeepOnExec = %v, want errors.ErrUnsupported", err)
	}
}

// The holder changes in the middle of Signal: the old holder lets go (and
// stays alive), a new one claims. The process handle pins the old one, and
// the check after it sees the change: the old holder is never terminated.
func TestSignalHolderChangesDuringCall(t *testing.T) {
	for _, step := range []string{"found", "pinned"} {
		t.Run(step, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			old := startHolder(t, path)
			var next *helper
			testHookSignal = func(s string) {
				if s == step && next == nil {
					old.Send("release")
					old.Expect("released")
					next = startHolder(t, path)
				}
			}
			defer func() { testHookSignal = nil }()
			pid, err := Signal(path, os.Kill)
			if next == nil {
				t.Fatalf("Signal never reached step %q", step)
			}
			if !old.Answers() {
				t.Fatal("Signal terminated the old holder after it let go")
			}
			if err != nil || pid != next.PID() {
				t.Fatalf("Signal = %d, %v; want the new holder %d", pid, err, next.PID())
			}
			if next.Wait().Success() {
				t.Error("the new holder exited normally; want it terminated")
			}
		})
	}
}
