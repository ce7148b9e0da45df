package pidfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/go-pidfile/pidfile/internal/testproc"
	"golang.org/x/sys/unix"
)

// A new holder that has locked but not yet written, over content that names
// a dead process: Read must name the new holder (from the kernel), not the
// dead PID.
func TestReadNamesNewHolderNotDeadPID(t *testing.T) {
	requireLinuxKernel(t)
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, strconv.Itoa(deadPID(t))+"\n")
	h := startHelper(t, "hold", path, "pause")
	h.Expect("locked")
	r, err := Read(path)
	if want := (LockedBy{PID: h.PID(), Source: FromKernel}); r != want || err != nil {
		t.Errorf("Read = %#v, %v; want %#v", r, err, want)
	}
}

// The content names a live decoy while the real holder is in its write
// window: Signal must signal the holder and never the decoy.
func TestSignalNeverSignalsDecoy(t *testing.T) {
	requireLinuxKernel(t)
	path := filepath.Join(t.TempDir(), "d.pid")
	decoy := startHelper(t, "decoy", path, "")
	decoy.Expect("ready ")
	writeFile(t, path, strconv.Itoa(decoy.PID())+"\n")
	h := startHelper(t, "hold", path, "pause notify")
	h.Expect("locked")
	pid, err := Signal(path, syscall.SIGTERM)
	if !decoy.Answers() {
		t.Fatal("Signal signalled the decoy named by the content")
	}
	if err != nil || pid != h.PID() {
		t.Fatalf("Signal = %d, %v; want the holder %d", pid, err, h.PID())
	}
	h.Expect("signal")
}

// The holder changes in the middle of Signal: the old holder lets go (and
// stays alive), a new one claims. The old one must never be signalled.
func TestSignalHolderChangesDuringCall(t *testing.T) {
	// Elsewhere nothing pins the holder between finding and signalling it:
	// the documented race of kill(2).
	requireLinuxKernel(t)
	for _, step := range []string{"found", "pinned"} {
		t.Run(step, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			old := startHolder(t, path) // dies of SIGTERM
			var next *helper
			testHookSignal = func(s string) {
				if s == step && next == nil {
					old.Send("release")
					old.Expect("released")
					next = startHelper(t, "hold", path, "notify")
					next.Expect("ready ")
				}
			}
			defer func() { testHookSignal = nil }()
			pid, err := Signal(path, syscall.SIGTERM)
			if next == nil {
				t.Fatalf("Signal never reached step %q", step)
			}
			if !old.Answers() {
				t.Fatal("Signal signalled the old holder after it let go")
			}
			if err != nil || pid != next.PID() {
				t.Fatalf("Signal = %d, %v; want the new holder %d", pid, err, next.PID())
			}
			next.Expect("signal")
		})
	}
}

// The process that took the lock exits while a child that inherited the
// descriptor keeps it locked. Nobody may be named as the holder.
func TestInheritedLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	// The child is orphaned to this process (adoptOrphans), so that the
	// test can reap it.
	r, w, err := os.Pipe()
	must(t, err)
	defer r.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(testproc.Environ(), testproc.RoleEnv+"=inherit", testproc.PathEnv+"="+path)
	cmd.ExtraFiles = []*os.File{r}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	child, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(string(out)), "child "))
	if err != nil {
		t.Fatalf("helper said %q", out)
	}
	t.Cleanup(func() {
		w.Close()
		unix.Kill(child, unix.SIGKILL)
		var ws unix.WaitStatus
		unix.Wait4(child, &ws, 0, nil)
	})
	if !lockedElsewhere(t, path) {
		t.Fatal("the child did not keep the lock")
	}

	res, err := Read(path)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != 0 || !errors.Is(err, ErrLocked) {
		t.Fatalf("Read = %#v, %v; want a LockedError with PID 0", res, err)
	}
	if lockTable && initialPIDNamespace() && !errors.Is(err, ErrInheritedLock) {
		t.Errorf("Read = %v, want ErrInheritedLock", err)
	}
	if _, err := Signal(path, syscall.Signal(0)); err == nil {
		t.Error("Signal found a holder to signal")
	}
}
