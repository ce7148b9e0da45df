package pidfile

// Whom to believe, with real users: the tests run as root (as CI does) and
// act as nobody through setpriv(1) and process credentials, with flock(1) as
// a holder that writes no PID.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// decoyFile writes a live decoy's PID (a process of root's that holds
// nothing) into path, owned by uid with mode perm, and returns the decoy.
func decoyFile(t *testing.T, path string, uid int, perm os.FileMode) *helper {
	t.Helper()
	decoy := startHelper(t, "decoy", "", "")
	decoy.Expect("ready ")
	testproc.PlantPID(t, path, decoy.PID(), uid, perm)
	return decoy
}

// checkDecoyIgnored asserts that no reader names the decoy (the lock table,
// where there is one, names the holder; elsewhere nobody is named), that
// Claim neither succeeds nor names the decoy, and that Signal reaches the
// holder (or, with no table, nobody) and never the decoy.
func checkDecoyIgnored(t *testing.T, path string, decoy, holder *helper) {
	t.Helper()
	want := LockedBy{PID: holder.PID(), Source: FromKernel}
	for name, read := range map[string]func(string) (Result, error){"Read": Read, "ReadExact": ReadExact} {
		r, err := read(path)
		var le *LockedError
		switch {
		case lockTable && (r != want || err != nil):
			t.Errorf("%s = %#v, %v; want %#v (the decoy is %d)", name, r, err, want, decoy.PID())
		case !lockTable && (!errors.As(err, &le) || le.PID != 0 || !errors.Is(err, ErrUntrustedContent)):
			t.Errorf("%s = %#v, %v; want a LockedError with PID 0 matching ErrUntrustedContent (the decoy is %d)", name, r, err, decoy.PID())
		}
	}
	g, err := Claim(path)
	if err == nil {
		g.Close()
		t.Fatal("Claim succeeded on a held file")
	}
	if strings.Contains(err.Error(), "process "+strconv.Itoa(decoy.PID())) {
		t.Errorf("Claim's error names the decoy: %v", err)
	}
	pid, err := Signal(path, syscall.SIGTERM)
	if lockTable && (pid != holder.PID() || err != nil) {
		t.Errorf("Signal = %d, %v; want the holder %d", pid, err, holder.PID())
	}
	if !lockTable && err == nil {
		t.Errorf("Signal signalled %d, with no lock table to name the holder", pid)
	}
	if !decoy.Answers() {
		t.Error("the decoy was signalled")
	}
}

// The attack of the issue: a user writes root's PID 1 (here, a decoy of
// root's) into its own pidfile and holds the lock; root must name the
// holder.
func TestDecoyInOtherUsersFile(t *testing.T) {
	testproc.RequireRoot(t)
	path := filepath.Join(sharedDir(t, nobody, 0o755), "d.pid")
	decoy := decoyFile(t, path, nobody, 0o644)
	holder := startFlock(t, path, nobody)
	checkDecoyIgnored(t, path, decoy, holder)
}

// A process whose real user ID is the file's owner but whose effective and
// saved ones are root's (a set-user-ID program that the owner started) does
// not run as the owner alone: the owner cannot point at it.
func TestDecoyOwnersOnlyByRealUID(t *testing.T) {
	testproc.RequireRoot(t)
	path := filepath.Join(sharedDir(t, nobody, 0o755), "d.pid")
	decoy := startHelper(t, "decoy", "", "ruid "+strconv.Itoa(nobody))
	decoy.Expect("ready ")
	writeFile(t, path, strconv.Itoa(decoy.PID())+"\n")
	must(t, os.Chown(path, nobody, nobody))
	holder := startFlock(t, path, nobody)
	checkDecoyIgnored(t, path, decoy, holder)
}

// Root's own file, but writable by its group or by others: anyone could
// have written the decoy's PID.
func TestDecoyInWritableRootFile(t *testing.T) {
	for _, perm := range []os.FileMode{0o666, 0o664, 0o646} {
		t.Run(fmt.Sprintf("%04o", perm), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			decoy := decoyFile(t, path, os.Geteuid(), perm)
			holder := startFlock(t, path, 0)
			checkDecoyIgnored(t, path, decoy, holder)
		})
	}
}

// Files that nobody but the reader and root could write keep their content
// believed, and so the cheap path.
func TestTrustedFilesKeepContent(t *testing.T) {
	for _, perm := range []os.FileMode{0o644, 0o640, 0o600} {
		t.Run(fmt.Sprintf("%04o", perm), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			h := startHolder(t, path)
			must(t, os.Chmod(path, perm))
			if r, err := Read(path); r != (LockedBy{PID: h.PID(), Source: FromContent}) || err != nil {
				t.Errorf("Read = %#v, %v; want the holder %d from the content", r, err, h.PID())
			}
		})
	}
	t.Run("root's 0644 read by another user", func(t *testing.T) {
		testproc.RequireRoot(t)
		path := filepath.Join(sharedDir(t, 0, 0o755), "d.pid")
		h := startHolder(t, path)
		reader := startHelperAs(t, nobody, "read", path, "")
		if l, want := reader.Line(), fmt.Sprintf("lockedby %d content", h.PID()); l != want {
			t.Errorf("nobody's Read said %q, want %q", l, want)
		}
	})
}

// A service user's own pidfile, written by its own daemon: root and a third
// user believe it, because the PID names a process of the file's owner.
func TestServiceUsersOwnPidfile(t *testing.T) {
	testproc.RequireRoot(t)
	path := filepath.Join(sharedDir(t, nobody, 0o755), "d.pid")
	daemon := startHelperAs(t, nobody, "hold", path, "")
	daemon.Expect("ready ")
	if !ownerCheck() {
		// FreeBSD and the other BSDs (and pidfile_portable builds):
		// nothing shows whose process the content names.
		if _, err := Read(path); !errors.Is(err, ErrUntrustedContent) {
			t.Errorf("root's Read = %v; want ErrUntrustedContent, with no way to tell whose process it is", err)
		}
		return
	}
	if r, err := Read(path); r != (LockedBy{PID: daemon.PID(), Source: FromContent}) || err != nil {
		t.Errorf("root's Read = %#v, %v; want %d from the content", r, err, daemon.PID())
	}
	const third = 4242 // a user with no files and no processes here
	for _, role := range []string{"read", "readexact"} {
		reader := startHelperAs(t, third, role, path, "")
		want := fmt.Sprintf("lockedby %d content", daemon.PID())
		if role == "readexact" && lockTable {
			want = fmt.Sprintf("lockedby %d kernel", daemon.PID())
		}
		if l := reader.Line(); l != want {
			t.Errorf("user %d's %s said %q, want %q", third, role, l, want)
		}
	}
}

// With /proc/locks hidden (an empty file in a private mount namespace),
// content that another user could have written names nobody, and trusted
// content is still believed.
func TestWithoutLockTable(t *testing.T) {
	testproc.RequireRoot(t)
	t.Run("untrusted", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "d.pid")
		decoy := decoyFile(t, path, 0, 0o666)
		startFlock(t, path, 0)
		for _, role := range []string{"read", "readexact"} {
			l := startWithoutLockTable(t, role, path).Line()
			if !strings.HasPrefix(l, "error pid=0 untrusted=true ") || strings.Contains(l, strconv.Itoa(decoy.PID())+" ") {
				t.Errorf("%s without a lock table said %q; want an ErrUntrustedContent LockedError with PID 0", role, l)
			}
		}
	})
	t.Run("another user's decoy", func(t *testing.T) {
		path := filepath.Join(sharedDir(t, nobody, 0o755), "d.pid")
		decoyFile(t, path, nobody, 0o644)
		startFlock(t, path, nobody)
		if l := startWithoutLockTable(t, "read", path).Line(); !strings.HasPrefix(l, "error pid=0 untrusted=true ") {
			t.Errorf("Read without a lock table said %q; want an ErrUntrustedContent LockedError with PID 0", l)
		}
	})
	t.Run("trusted", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "d.pid")
		h := startHolder(t, path)
		for _, role := range []string{"read", "readexact"} {
			if l, want := startWithoutLockTable(t, role, path).Line(), fmt.Sprintf("lockedby %d content", h.PID()); l != want {
				t.Errorf("%s without a lock table said %q, want %q", role, l, want)
			}
		}
	})
	t.Run("service user's own", func(t *testing.T) {
		if !ownerCheck() {
			t.Skip("this build cannot tell whose process the content names: TestServiceUsersOwnPidfile covers it")
		}
		path := filepath.Join(sharedDir(t, nobody, 0o755), "d.pid")
		daemon := startHelperAs(t, nobody, "hold", path, "")
		daemon.Expect("ready ")
		if l, want := startWithoutLockTable(t, "read", path).Line(), fmt.Sprintf("lockedby %d content", daemon.PID()); l != want {
			t.Errorf("Read without a lock table said %q, want %q", l, want)
		}
	})
}

// Claim refuses a file owned by another user before it writes or locks
// anything.
func TestClaimRefusesOtherUsersFile(t *testing.T) {
	testproc.RequireRoot(t)
	path := filepath.Join(sharedDir(t, 0, 0o755), "d.pid")
	writeFile(t, path, "1\n")
	must(t, os.Chown(path, nobody, nobody))
	checkClaimRefused(t, path, "1\n", "owned by user 65534")
}

// With fs.protected_regular, the kernel denies root's create-open of another
// user's file in a sticky, world-writable directory before Claim sees the
// file: that is still reported as the refusal it is.
func TestClaimRefusesProtectedRegular(t *testing.T) {
	testproc.RequireRoot(t)
	const knob = "/proc/sys/fs/protected_regular"
	old, err := os.ReadFile(knob)
	if err != nil {
		t.Skipf("no %s: %v", knob, err)
	}
	if err := os.WriteFile(knob, []byte("1"), 0); err != nil {
		t.Skipf("cannot set %s: %v", knob, err)
	}
	t.Cleanup(func() { os.WriteFile(knob, old, 0) })
	path := filepath.Join(sharedDir(t, 0, os.ModeSticky|0o777), "d.pid")
	writeFile(t, path, "1\n")
	must(t, os.Chown(path, nobody, nobody))
	checkClaimRefused(t, path, "1\n", "owned by user 65534")
	if _, err := Claim(path); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Claim = %v; want the kernel's permission error inside", err)
	}
}

// A user other than root claims its own pidfile, new or existing.
func TestNonRootClaimsOwnFile(t *testing.T) {
	testproc.RequireRoot(t)
	dir := sharedDir(t, nobody, 0o755)
	existing := filepath.Join(dir, "old.pid")
	writeFile(t, existing, "1\n")
	must(t, os.Chown(existing, nobody, nobody))
	for _, path := range []string{filepath.Join(dir, "new.pid"), existing} {
		h := startHelperAs(t, nobody, "hold", path, "")
		l := h.Line()
		if l != fmt.Sprintf("ready %d", h.PID()) {
			t.Errorf("nobody's Claim of %s said %q", filepath.Base(path), l)
		}
	}
}

// A process that took the lock, handed the descriptor to a child and closed
// its own is still alive, and the lock table still names it: nobody may
// name or signal it, nor the child, which no table names.
func TestHandedOffLock(t *testing.T) {
	requireLinuxKernel(t)
	for _, arg := range []string{"", "write"} {
		t.Run("content="+map[string]string{"": "empty", "write": "its PID"}[arg], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			writeFile(t, path, "")
			h := startHelper(t, "handoff", path, arg)
			var parent, child int
			if _, err := fmt.Sscanf(h.Line(), "ready %d child %d", &parent, &child); err != nil || parent != h.PID() {
				t.Fatalf("helper: %v", err)
			}
			if !lockedElsewhere(t, path) {
				t.Fatal("the child does not hold the lock")
			}
			reads := map[string]func(string) (Result, error){"ReadExact": ReadExact}
			if arg == "" {
				// With its own PID in a trusted file, Read believes
				// the parent: the corner that its documentation names.
				reads["Read"] = Read
			}
			for name, read := range reads {
				r, err := read(path)
				if !errors.Is(err, ErrInheritedLock) {
					t.Errorf("%s = %#v, %v; want ErrInheritedLock (the parent is %d)", name, r, err, parent)
				}
			}
			if pid, err := Signal(path, syscall.SIGTERM); err == nil {
				t.Errorf("Signal signalled %d", pid)
			}
			if !h.Answers() {
				t.Error("the parent, which let go of the lock, was signalled")
			}
		})
	}
}

// Under a holder that writes no PID, the kernel answers at once: Read does
// not wait out the write window first.
func TestKernelAnswersWithoutWaiting(t *testing.T) {
	requireLinuxKernel(t)
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, "garbage\n")
	holder := startFlock(t, path, 0)
	waits := 0
	testHookRetry = func() { waits++ }
	defer func() { testHookRetry = nil }()
	if r, err := Read(path); r != (LockedBy{PID: holder.PID(), Source: FromKernel}) || err != nil {
		t.Errorf("Read = %#v, %v; want %d from the kernel", r, err, holder.PID())
	}
	if waits != 0 {
		t.Errorf("Read waited %d times for the write window", waits)
	}
}

// The caller's own PID, left in the file by a Guard it has closed, does not
// name the new holder, which writes nothing.
func TestOwnStalePIDIsNotProof(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path)
	must(t, err)
	must(t, g.Close())
	holder := startFlock(t, path, 0)
	if got := readFile(t, path); got != ownPID() {
		t.Fatalf("content %q, want this process's stale PID", got)
	}
	var le *LockedError
	if lockTable {
		if r, err := Read(path); r != (LockedBy{PID: holder.PID(), Source: FromKernel}) || err != nil {
			t.Errorf("Read = %#v, %v; want flock(1)'s PID %d", r, err, holder.PID())
		}
		if _, err := Claim(path); !errors.As(err, &le) || le.PID != holder.PID() {
			t.Errorf("Claim = %v; want a LockedError naming flock(1), %d", err, holder.PID())
		}
	}
	withoutKernelTable(t)
	if r, err := Read(path); !errors.As(err, &le) || le.PID != 0 {
		t.Errorf("without a lock table, Read = %#v, %v; want a LockedError with PID 0", r, err)
	}
}

// The reader's user is the one it has when it reads: a daemon that claimed
// as root and then became nobody believes nobody's files, not root's alone.
func TestReaderUserAtCallTime(t *testing.T) {
	testproc.RequireRoot(t)
	path := filepath.Join(sharedDir(t, nobody, 0o755), "d.pid")
	decoy := decoyFile(t, path, nobody, 0o644)
	startFlock(t, path, nobody)
	r := startHelper(t, "read", path, "setuid 65534")
	if l, want := r.Line(), fmt.Sprintf("lockedby %d content", decoy.PID()); l != want {
		t.Errorf("Read as nobody, after starting as root: %q, want %q (its own user's file is believed)", l, want)
	}
}

// ownerCheck reports whether this build can tell whose a process is (Linux,
// macOS), and so believe another user's pidfile naming its own process.
func ownerCheck() bool {
	_, known := processRunsAs(os.Getpid(), uint32(os.Geteuid()))
	return known
}

// A holder that lets go between Signal's lock test and its read of the lock
// table, which then lists nobody, leaves nobody running: not "held by a
// process that cannot be seen".
func TestHolderGoneBeforeTableReadIsNotRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	must(t, os.WriteFile(path, nil, 0o644))
	release := holdForeignLock(t, path)
	testHookBusy = release
	defer func() { testHookBusy = nil }()
	if pid, err := Signal(path, syscall.Signal(0)); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Signal = %d, %v; want ErrNotRunning", pid, err)
	}
}
