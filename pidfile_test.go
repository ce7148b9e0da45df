//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

func ownPID() string { return strconv.Itoa(os.Getpid()) + "\n" }

func TestClaimCreatesFileWithPID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	old := unix.Umask(0o027)
	defer unix.Umask(old)
	g, err := Claim(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if got := readFile(t, path); got != ownPID() {
		t.Errorf("content %q, want %q", got, ownPID())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0644 less umask 027 = 0640", fi.Mode().Perm())
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
	if before != strconv.Itoa(h.pid())+"\n" {
		t.Fatalf("holder wrote %q, want its PID %d", before, h.pid())
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
	if le.PID != h.pid() || le.Path != path {
		t.Errorf("LockedError{Path: %q, PID: %d}, want {%q, %d}", le.Path, le.PID, path, h.pid())
	}
	if !strings.Contains(err.Error(), strconv.Itoa(h.pid())) || !strings.Contains(err.Error(), path) {
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
				h.exit()
			} else {
				h.kill()
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
		l := h.line()
		var won int
		if _, err := fmt.Sscanf(l, "won %d", &won); err != nil {
			t.Fatalf("helper %d: %s", h.pid(), l)
		}
		total += won
		h.exit()
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
	func() {
		if _, err := Claim(path); err != nil {
			t.Fatal(err)
		}
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

func TestWriteFailureReleasesLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, "")
	h := startHelper(t, "writefail", path, "")
	l := h.expect("claim ")
	if !strings.Contains(l, "write PID") || !strings.Contains(l, path) {
		t.Errorf("helper's Claim said %q, want a write error naming the path", l)
	}
	if l := h.line(); l != "released" {
		t.Errorf("after the failed write the lock is %q, want released", l)
	}
	h.exit()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("file gone after a failed write: %v", err)
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
	child.exit()
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
	if want := (LockedBy{PID: h.pid(), Source: FromContent}); r != want {
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
			h.expect("locked")
			retried := false
			testHookRetry = func() {
				if !retried {
					retried = true
					h.send("go")
					h.expect("written")
				}
			}
			defer func() { testHookRetry = nil }()
			r, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := (LockedBy{PID: h.pid(), Source: FromContent}); r != want {
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
	r, err := Read(path)
	if !errors.Is(err, ErrLocked) || !errors.Is(err, ErrInvalidContent) {
		t.Fatalf("Read = %#v, %v; want an error matching ErrLocked and ErrInvalidContent", r, err)
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

func TestReadWithReadPermissionOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	h := startHolder(t, path)
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	out := runAsOtherUser(t, dir, "read", path)
	if want := fmt.Sprintf("lockedby %d content", h.pid()); out != want {
		t.Errorf("read-only reader said %q, want %q", out, want)
	}
	h.exit()
	if out := runAsOtherUser(t, dir, "read", path); out != "notheld" {
		t.Errorf("read-only reader said %q, want notheld", out)
	}
}

func TestClaimPermissionDenied(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	writeFile(t, path, "1\n")
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	out := runAsOtherUser(t, dir, "claim", path)
	if !strings.Contains(out, "(ErrPermission true)") || !strings.Contains(out, path) {
		t.Errorf("Claim without write permission said %q, want permission denied naming the path", out)
	}
	if got := readFile(t, path); got != "1\n" {
		t.Errorf("content changed to %q", got)
	}
}

func TestClaimMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "d.pid")
	_, err := Claim(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) ||
		!strings.HasPrefix(err.Error(), "pidfile: ") {
		t.Errorf("err = %v, want fs.ErrNotExist naming the path", err)
	}
}

// runAsOtherUser runs a helper role as an unprivileged user and returns its
// line. As root it switches to nobody; otherwise the caller already is one.
func runAsOtherUser(t *testing.T, dir, role, path string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	if os.Geteuid() == 0 {
		// nobody must reach the binary and the directory.
		bin := filepath.Join(dir, "helper.test")
		copyFile(t, os.Args[0], bin)
		for _, d := range []string{filepath.Dir(dir), dir} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cmd = exec.Command(bin)
		cmd.SysProcAttr = &unixSysProcAttrNobody
	}
	h := startHelperCmd(t, cmd, role, path, "")
	l := h.line()
	h.exit()
	return l
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// KeepOnExec hands the lock to the program this process execs; without it,
// exec releases the lock (close-on-exec).
func TestKeepOnExec(t *testing.T) {
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprint("keep=", keep), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			arg := ""
			if keep {
				arg = "keep"
			}
			h := startHelper(t, "exec", path, arg)
			h.expect("ready ") // said after the exec
			r, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if nh, ok := r.(NotHeld); ok {
				nh.Guard.Close()
			}
			want := Result(LockedBy{PID: h.pid(), Source: FromContent})
			if !keep {
				want = NotHeld{}
				if _, ok := r.(NotHeld); ok {
					r = NotHeld{}
				}
			}
			if r != want {
				t.Errorf("after exec: Read = %#v, want %#v", r, want)
			}
		})
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
