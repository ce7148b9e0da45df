//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows

package pidfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func ownPID() string { return strconv.Itoa(os.Getpid()) + "\n" }

// Every error says "pidfile:" once, names the call and the path: it is made
// once, at the exported function.
func TestErrorsSayPidfileOnce(t *testing.T) {
	dir := t.TempDir()
	held := filepath.Join(dir, "held.pid")
	g, err := Claim(held)
	must(t, err)
	defer g.Close()
	free := filepath.Join(dir, "free.pid")
	writeFile(t, free, "")
	missing := filepath.Join(dir, "missing.pid")
	done, cancel := context.WithCancel(context.Background())
	cancel()
	// Garbage under a holder that cannot be named: on systems without a
	// lock table, the content's error is the reason inside Read's.
	garbage := filepath.Join(dir, "garbage.pid")
	writeFile(t, garbage, "not a pid\n")
	holdForeignLock(t, garbage)
	closed, err := Claim(filepath.Join(dir, "closed.pid"))
	must(t, err)
	closed.Close()
	for _, tc := range []struct {
		call, path string
		err        error
	}{
		{"claim", held, second(Claim(held))},
		{"claim", dir, second(Claim(dir))},
		{"claim", free, second(Claimer{Perm: 0o666}.Claim(free))},
		{"claim", held, second(ClaimContext(done, held))},
		{"read", dir, second(Read(dir))},
		{"signal", free, second(Signal(free, os.Kill))},
		{"signal", missing, second(Signal(missing, os.Kill))},
		{"wait", held, Wait(done, held)},
		{"read", garbage, second(Read(garbage))},
		{"verify", closed.Path(), closed.Verify()},
		{"keep on exec", closed.Path(), closed.KeepOnExec()},
	} {
		if tc.err == nil {
			t.Errorf("%s %s: no error", tc.call, tc.path)
			continue
		}
		msg := tc.err.Error()
		if strings.Count(msg, "pidfile:") != 1 || !strings.HasPrefix(msg, "pidfile: "+tc.call+" "+tc.path+": ") {
			t.Errorf("%s: %q; want \"pidfile: %s %s: ...\" and \"pidfile:\" once", tc.call, msg, tc.call, tc.path)
		}
	}
}

// second returns the error of a call that returns a value and an error.
func second[T any](_ T, err error) error { return err }

// An empty path, as from an unset variable in a script, is an error for
// every call: not a missing file that nobody holds.
func TestEmptyPathIsAnError(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	calls := map[string]func() error{
		"Claim":     func() error { _, err := Claim(""); return err },
		"Read":      func() error { _, err := Read(""); return err },
		"ReadExact": func() error { _, err := ReadExact(""); return err },
		"Signal":    func() error { _, err := Signal("", os.Kill); return err },
		"Wait":      func() error { return Wait(t.Context(), "") },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, fs.ErrInvalid) || !strings.Contains(err.Error(), "empty path") {
			t.Errorf("%s(\"\"): %v, want an error matching fs.ErrInvalid that says the path is empty", name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files were created: %v", entries)
	}
}

func TestClaimCreatesFileWithPID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if got := readFile(t, path); got != ownPID() {
		t.Errorf("content %q, want %q", got, ownPID())
	}
	if g.Path() != path {
		t.Errorf("Path() = %q, want %q", g.Path(), path)
	}
}

func TestClaimReplacesOldContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, "2147483647\nand a long tail of old bytes\n")
	g, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if got := readFile(t, path); got != ownPID() {
		t.Errorf("content %q, want %q", got, ownPID())
	}
}

func TestClaimFailsWithHolderPID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	h := startHolder(t, path)
	before := readFile(t, path)
	if before != strconv.Itoa(h.PID())+"\n" {
		t.Fatalf("holder wrote %q, want its PID %d", before, h.PID())
	}
	g, err := Claim(path)
	if err == nil {
		g.Close()
		t.Fatal("second Claim succeeded while another process holds the lock")
	}
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) {
		t.Fatalf("err = %v, want a *LockedError matching ErrLocked", err)
	}
	if le.PID != h.PID() || le.Path != path {
		t.Errorf("LockedError{Path: %q, PID: %d}, want {%q, %d}", le.Path, le.PID, path, h.PID())
	}
	if !strings.Contains(err.Error(), strconv.Itoa(h.PID())) || !strings.Contains(err.Error(), path) {
		t.Errorf("message %q does not name the holder's PID and the path", err)
	}
	if after := readFile(t, path); after != before {
		t.Errorf("file changed from %q to %q by a failed Claim", before, after)
	}
}

// A holder that is not this package (or is in its write window) leaves any
// content in place: a failed Claim must not truncate it, not even briefly.
func TestClaimLeavesFileUntouchedWhenHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	const content = "not a pid, and longer than one\n"
	writeFile(t, path, content)
	fi0, _ := os.Stat(path)
	holdForeignLock(t, path)
	_, err := Claim(path)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
	if got := readFile(t, path); got != content {
		t.Errorf("content %q, want it untouched: %q", got, content)
	}
	fi1, _ := os.Stat(path)
	if !fi1.ModTime().Equal(fi0.ModTime()) {
		t.Errorf("mtime changed from %v to %v: the file was written", fi0.ModTime(), fi1.ModTime())
	}
}

func TestClaimSucceedsAfterHolderExits(t *testing.T) {
	for _, how := range []string{"exit", "SIGKILL"} {
		t.Run(how, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			h := startHolder(t, path)
			if how == "exit" {
				h.Exit()
			} else {
				h.Kill()
			}
			g, err := Claim(path)
			if err != nil {
				t.Fatalf("Claim after the holder's %s: %v", how, err)
			}
			defer g.Close()
			if got := readFile(t, path); got != ownPID() {
				t.Errorf("content %q, want %q", got, ownPID())
			}
		})
	}
}

// Several processes claim one path over and over; a directory that only a
// holder creates proves that no two ever held it at once.
func TestClaimRaceHasOneHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	const procs, rounds = 4, 300
	hs := make([]*helper, procs)
	for i := range hs {
		hs[i] = startHelper(t, "race", path, strconv.Itoa(rounds))
	}
	total := 0
	for _, h := range hs {
		l := h.Line()
		var won int
		if _, err := fmt.Sscanf(l, "won %d", &won); err != nil {
			t.Fatalf("helper %d: %s", h.PID(), l)
		}
		total += won
		h.Exit()
	}
	if total == 0 {
		t.Fatal("no helper ever held the lock")
	}
	t.Logf("%d claims in %d attempts", total, procs*rounds)
}

func TestCloseReleasesAndKeepsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	if !lockedElsewhere(t, path) {
		t.Fatal("Claim returned without holding the lock")
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if lockedElsewhere(t, path) {
		t.Error("still locked after Close")
	}
	if got := readFile(t, path); got != ownPID() {
		t.Errorf("after Close the file holds %q, want it kept as %q", got, ownPID())
	}
}

func TestCloseIsIdempotentAndConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	// Another descriptor opened after the first Close may reuse the number;
	// a second close of the stale number would close it.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.Close(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	other, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := g.Close(); err != nil {
		t.Errorf("Close after Close: %v", err)
	}
	if _, err := other.Stat(); err != nil {
		t.Errorf("a later Close closed an unrelated descriptor: %v", err)
	}
}

// A Guard that nobody references must keep the lock through garbage
// collections and the finalizers they queue.
func TestGuardSurvivesGarbageCollection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	// Only a copy of the Guard's file (a descriptor number) stays, to
	// release the lock at the end as Close would; the Guard itself becomes
	// unreachable.
	f := func() file {
		g, err := Claim(path)
		if err != nil {
			t.Fatal(err)
		}
		return g.f
	}()
	defer func() {
		forgetGuard(f.id)
		f.close()
	}()
	for range 2 {
		// A canary's finalizer runs after those queued by the same
		// collection, so when it has run, theirs have too.
		ran := make(chan struct{})
		canary := new([64]byte)
		runtime.SetFinalizer(canary, func(*[64]byte) { close(ran) })
		canary = nil
		for done := false; !done; {
			runtime.GC()
			select {
			case <-ran:
				done = true
			default:
				runtime.Gosched()
			}
		}
	}
	if !lockedElsewhere(t, path) {
		t.Fatal("the lock was released when the unreachable Guard was collected")
	}
}

// A child started with os/exec must not inherit the lock: after the parent
// closes its Guard, the lock is free although the child still runs.
func TestChildDoesNotInheritLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	child := startHelper(t, "idle", path, "")
	g.Close()
	if lockedElsewhere(t, path) {
		t.Error("the lock outlived Close: the child inherited the descriptor")
	}
	child.Exit()
}

func TestReadNotExist(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "d.pid"), filepath.Join(dir, "no", "d.pid")} {
		r, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.(NotExist); !ok {
			t.Errorf("Read(%q) = %#v, want NotExist", path, r)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Read created %q", path)
		}
	}
}

func TestReadNotHeldHoldsLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, "stale content\n")
	r, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	nh, ok := r.(NotHeld)
	if !ok {
		t.Fatalf("Read = %#v, want NotHeld", r)
	}
	if !lockedElsewhere(t, path) {
		t.Error("NotHeld's Guard does not hold the lock")
	}
	if got := readFile(t, path); got != "stale content\n" {
		t.Errorf("Read changed the content to %q", got)
	}
	nh.Guard.Close()
	if lockedElsewhere(t, path) {
		t.Error("still locked after closing NotHeld's Guard")
	}
}

func TestReadLockedBy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	h := startHolder(t, path)
	r, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := (LockedBy{PID: h.PID(), Source: FromContent}); r != want {
		t.Errorf("Read = %#v, want %#v", r, want)
	}
}

// A reader that comes between a holder's flock and its write sees old
// content; where no lock table names the holder, it must wait for the write
// and name the new holder.
func TestReadWaitsOutWriteWindow(t *testing.T) {
	for _, old := range []string{"", "garbage", "dead PID"} {
		t.Run(old, func(t *testing.T) {
			withoutKernelTable(t)
			path := filepath.Join(t.TempDir(), "d.pid")
			if old == "dead PID" {
				old = strconv.Itoa(deadPID(t)) + "\n"
			}
			writeFile(t, path, old)
			h := startHelper(t, "hold", path, "pause")
			h.Expect("locked")
			retried := false
			testHookRetry = func() {
				if !retried {
					retried = true
					h.Send("go")
					h.Expect("written")
				}
			}
			defer func() { testHookRetry = nil }()
			r, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := (LockedBy{PID: h.PID(), Source: FromContent}); r != want {
				t.Errorf("Read = %#v, want %#v", r, want)
			}
			if !retried {
				t.Error("Read did not wait for the write window")
			}
		})
	}
}

// When the holder never writes a PID and the kernel cannot tell, Read gives
// up after the window with an error that is both ErrLocked and
// ErrInvalidContent, and never a LockedBy with PID 0.
func TestReadHolderNeverWrites(t *testing.T) {
	withoutKernelTable(t)
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, "-1\n")
	holdForeignLock(t, path)
	retries := 0
	testHookRetry = func() { retries++ }
	defer func() { testHookRetry = nil }()
	start := time.Now()
	r, err := Read(path)
	waited := time.Since(start)
	if !errors.Is(err, ErrLocked) || !errors.Is(err, ErrInvalidContent) {
		t.Fatalf("Read = %#v, %v; want an error matching ErrLocked and ErrInvalidContent", r, err)
	}
	// The window, 50 ms as the README says: Read gives up no sooner, and
	// within a few retries of it (each sleep lasts at least what it asks,
	// 1 ms doubling to 10 ms, so a longer window shows as more retries).
	if waited < 50*time.Millisecond {
		t.Errorf("Read gave up after %v, before the write window of 50ms", waited)
	}
	if retries < 2 || retries > 8 {
		t.Errorf("Read retried %d times in the write window; want 2 to 8 for 50ms", retries)
	}
	if !strings.Contains(err.Error(), `"-1\n"`) || !strings.Contains(err.Error(), path) {
		t.Errorf("message %q does not quote the content and name the path", err)
	}
	_, err = Claim(path)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != 0 || !errors.Is(err, ErrInvalidContent) {
		t.Errorf("Claim: %v, want a LockedError with PID 0 matching ErrInvalidContent", err)
	}
}

// A huge pidfile costs one small read, not its size in memory.
func TestReadBoundsWhatItReads(t *testing.T) {
	withoutKernelTable(t)
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, "")
	if err := os.Truncate(path, 1<<30); err != nil {
		t.Fatal(err)
	}
	holdForeignLock(t, path)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Read(path)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrInvalidContent) {
		t.Errorf("err = %v, want ErrInvalidContent", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("Read of a 1 GiB file allocated %d bytes", grew)
	}
}

// A nil *Guard reports an error instead of panicking, as a nil *os.File does.
func TestNilGuard(t *testing.T) {
	var g *Guard
	for name, err := range map[string]error{"Close": g.Close(), "Verify": g.Verify(), "KeepOnExec": g.KeepOnExec()} {
		if !errors.Is(err, os.ErrInvalid) {
			t.Errorf("nil Guard's %s = %v, want os.ErrInvalid", name, err)
		}
	}
	if g.Path() != "" {
		t.Errorf("nil Guard's Path = %q", g.Path())
	}
}

// A process that holds its pidfile through a Guard is named by its own PID.
func TestOwnGuardNamesSelf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path)
	must(t, err)
	defer g.Close()
	if r, err := Read(path); r != (LockedBy{PID: os.Getpid(), Source: FromContent}) || err != nil {
		t.Errorf("Read = %#v, %v; want this process from the content", r, err)
	}
}
