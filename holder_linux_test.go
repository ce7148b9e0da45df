//go:build linux && !pidfile_portable

package pidfile

// Who is named as the holder, where an adversary or a careless operator
// tries to have someone else named: readers, a reused PID of the process that
// took the lock, a /proc of another PID namespace, a holder whose main thread
// has exited.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

func init() {
	// The role "mainexit" ends the main thread alone: the main goroutine
	// must run on it.
	runtime.LockOSThread()
	osHelpers["readloop"] = readLoopHelper
	osHelpers["mainexit"] = mainExitHelper
	osHelpers["foreignproc"] = foreignProcHelper
	osHelpers["handoffexit"] = handoffExitHelper
	osHelpers["signal"] = func(path, _ string, _ *bufio.Reader, say func(string, ...any)) int {
		pid, err := Signal(path, syscall.SIGTERM)
		say("signal %d %v", pid, err)
		return 0
	}
}

// readLoopHelper is the role "readloop": ReadExact path arg times, as fast as
// it can, then say "named" and the PIDs it was given as holders.
func readLoopHelper(path, arg string, _ *bufio.Reader, say func(string, ...any)) int {
	n, _ := strconv.Atoi(arg)
	say("ready %d", os.Getpid())
	named := map[int]bool{}
	for range n {
		r, err := ReadExact(path)
		var le *LockedError
		switch {
		case errors.As(err, &le):
			named[le.PID] = true
		case err != nil:
			say("error %v", err)
			return 1
		}
		switch r := r.(type) {
		case NotHeld:
			r.Guard.Close()
		case LockedBy:
			named[r.PID] = true
		}
	}
	var pids []string
	for pid := range named {
		pids = append(pids, strconv.Itoa(pid))
	}
	say("named %s", strings.Join(pids, " "))
	return 0
}

// Readers test the lock with a shared flock: however many read at once, none
// is ever named as the holder, and none makes a Claim fail.
func TestReadersAreNeverHolders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, "")
	startReaders := func() []*helper {
		var readers []*helper
		for range 3 {
			h := startHelper(t, "readloop", path, "20000")
			h.Expect("ready ")
			readers = append(readers, h)
		}
		return readers
	}
	// Readers alone name nobody.
	readers := startReaders()
	for _, r := range readers {
		if l := r.Line(); l != "named " {
			t.Errorf("reader %d: %q, want nobody named (readers: %v)", r.PID(), l, pids(readers))
		}
	}
	// Beside a claimer, they name it or nobody, and its claims succeed.
	readers = startReaders()
	claims := 0
	for done := 0; done < len(readers); {
		g, err := Claim(path)
		if err != nil {
			t.Fatalf("Claim among readers: %v", err)
		}
		claims++
		must(t, g.Close())
		select {
		case l := <-readers[done].Lines():
			for _, pid := range strings.Fields(strings.TrimPrefix(l, "named")) {
				// 0: a claim met between its lock and its write.
				if pid != strconv.Itoa(os.Getpid()) && pid != "0" {
					t.Errorf("reader %d named %s as the holder (readers: %v; line %q)", readers[done].PID(), pid, pids(readers), l)
				}
			}
			done++
		default:
		}
	}
	t.Logf("%d claims among %d readers", claims, len(readers))
}

func pids(hs []*helper) []int {
	var out []int
	for _, h := range hs {
		out = append(out, h.PID())
	}
	return out
}

// helperArgv returns the argv that runs the test binary as user uid, from a
// copy that every user can run.
func helperArgv(t *testing.T, uid int) []string {
	t.Helper()
	if uid == 0 {
		return []string{os.Args[0]}
	}
	bin := filepath.Join(sharedDir(t, 0, 0o755), "helper.test")
	copyFile(t, os.Args[0], bin)
	return append(testproc.AsUser(t, uid), bin)
}

// atPID returns a command that runs argv at PID pid, which must be free: sh
// sets the kernel's last PID just below it and forks at once (a Go program
// would start threads, which take PIDs, in between). The command's stdin
// reaches argv; its process group, and the helper's cleanup, holds both.
func atPID(pid int, argv ...string) *exec.Cmd {
	const script = `echo "$0" > /proc/sys/kernel/ns_last_pid && exec 3<&0 && { "$@" 0<&3 3<&- & wait $!; }`
	return exec.Command("sh", append([]string{"-c", script, strconv.Itoa(pid - 1)}, argv...)...)
}

// startAtPID starts the test binary in role as user uid at PID pid. Another
// process of the machine can take the PID first; then it tries again, and
// skips after a few tries.
func startAtPID(t *testing.T, pid, uid int, role, path, arg string) *helper {
	t.Helper()
	testproc.RequireRoot(t)
	argv := helperArgv(t, uid)
	for range 20 {
		cmd := atPID(pid, argv...)
		cmd.Env = []string{helperWantPID + "=" + strconv.Itoa(pid)}
		h := startHelperCmd(t, cmd, role, path, arg)
		if l := h.Line(); l == "atpid" {
			return h
		} else if !strings.HasPrefix(l, "wrongpid ") {
			t.Fatalf("helper at PID %d said %q", pid, l)
		}
		h.Kill()
	}
	t.Skipf("another process kept taking PID %d", pid)
	return nil
}

// handoffExitHelper is the role "handoffexit": Claim, start a child that
// inherits the locked descriptor, say "taker PID child PID", and exit. The
// child sleeps until it is killed; it is no Go program, which would start
// threads that take PIDs at any time, the taker's among them.
func handoffExitHelper(path, _ string, _ *bufio.Reader, say func(string, ...any)) int {
	g, err := Claim(path)
	if err != nil {
		say("error %v", err)
		return 1
	}
	child := exec.Command("sleep", "infinity")
	child.ExtraFiles = []*os.File{os.NewFile(uintptr(g.f.fd), path)}
	if err := child.Start(); err != nil {
		say("error %v", err)
		return 1
	}
	say("taker %d child %d", os.Getpid(), child.Process.Pid)
	return 0
}

// takerGone makes the process that took path's lock (by Claim, writing its
// PID) hand it to a child and exit, as user uid, and returns the taker's
// PID, now free, which the lock table still names. The taker does not lead
// its process group (sh does): a PID that names a live group is not reused.
func takerGone(t *testing.T, path string, uid int) int {
	t.Helper()
	argv := helperArgv(t, uid)
	const script = `exec 3<&0 && { "$@" 0<&3 3<&- & wait $!; }`
	sh := startHelperCmd(t, exec.Command("sh", append([]string{"-c", script, "sh"}, argv...)...), "handoffexit", path, "")
	// The child, in sh's process group, goes when the test ends.
	t.Cleanup(func() { syscall.Kill(-sh.PID(), syscall.SIGKILL) })
	var taker, child int
	if _, err := fmt.Sscanf(sh.Line(), "taker %d child %d", &taker, &child); err != nil {
		t.Fatal(err)
	}
	if st := sh.Wait(); !st.Success() {
		t.Fatal(st)
	}
	if got := readFile(t, path); got != strconv.Itoa(taker)+"\n" {
		t.Fatalf("content %q, want the taker's PID %d", got, taker)
	}
	// The PID is reused long after the taker wrote it, as when an
	// adversary cycles through PIDs to reach it.
	past := time.Now().Add(-time.Hour)
	must(t, os.Chtimes(path, past, past))
	return taker
}

// A reader that happens to get the PID of the process that took the lock
// (now gone; a child holds the lock) is not named, although it has the file
// open; Signal does not signal itself.
func TestReaderWithTakersPIDIsNotHolder(t *testing.T) {
	testproc.RequireRoot(t)
	path := filepath.Join(t.TempDir(), "d.pid")
	taker := takerGone(t, path, 0)
	for _, role := range []string{"readexact", "signal"} {
		reader := startAtPID(t, taker, 0, role, path, "")
		l := reader.Line()
		if strings.HasPrefix(l, "lockedby") || strings.HasPrefix(l, "signal "+strconv.Itoa(taker)) {
			t.Errorf("%s at the taker's PID %d said %q: itself as the holder", role, taker, l)
		}
		if role == "readexact" && !strings.Contains(l, "inherited=true") {
			t.Errorf("%s said %q, want ErrInheritedLock", role, l)
		}
		if st := reader.Wait(); !st.Success() {
			t.Fatal(st)
		}
	}
}

// A process that got the PID of the process that took the lock (now gone; a
// child holds the lock) and has the file open, as "sleep <path" has, is not
// named, nor signalled: having the file open is not holding its lock.
func TestOpenerAtTakersPIDIsNotHolder(t *testing.T) {
	testproc.RequireRoot(t)
	path := filepath.Join(t.TempDir(), "d.pid")
	taker := takerGone(t, path, 0)
	decoy := startAtPID(t, taker, 0, "decoy", path, "open")
	decoy.Expect("ready ")
	r, err := ReadExact(path)
	if _, named := r.(LockedBy); named || !errors.Is(err, ErrInheritedLock) {
		t.Errorf("ReadExact = %#v, %v; want ErrInheritedLock: process %d only has the file open", r, err, taker)
	}
	if pid, err := Signal(path, syscall.SIGTERM); err == nil {
		t.Errorf("Signal signalled process %d, which only has the file open", pid)
	}
	if !decoy.Answers() {
		t.Error("the decoy was signalled")
	}
}

// A reader who cannot see another user's descriptors does not name that
// user's process which reused the PID of the process that took the lock.
func TestReusedTakerPIDOfAnotherUserIsNotNamed(t *testing.T) {
	testproc.RequireRoot(t)
	path := filepath.Join(sharedDir(t, nobody, 0o755), "d.pid")
	taker := takerGone(t, path, nobody)
	decoy := startAtPID(t, taker, 0, "decoy", path, "")
	decoy.Expect("ready ")
	for _, role := range []string{"readexact", "signal"} {
		reader := startHelperAs(t, nobody, role, path, "")
		l := reader.Line()
		if strings.HasPrefix(l, "lockedby") || strings.HasPrefix(l, "signal "+strconv.Itoa(taker)) {
			t.Errorf("user %d's %s said %q: root's process %d, which reused the taker's PID", nobody, role, l, taker)
		}
	}
	if !decoy.Answers() {
		t.Error("the decoy was signalled")
	}
}

// A holder whose descriptors the reader cannot see, but that started before
// it wrote its PID into a file nobody else could have written, is named.
func TestUnseenHolderNamedByItsStartTime(t *testing.T) {
	testproc.RequireRoot(t)
	path := filepath.Join(sharedDir(t, 0, 0o755), "d.pid")
	daemon := startHolder(t, path) // root's
	reader := startHelperAs(t, nobody, "readexact", path, "")
	if l, want := reader.Line(), fmt.Sprintf("lockedby %d kernel", daemon.PID()); l != want {
		t.Errorf("user %d's ReadExact said %q, want %q", nobody, l, want)
	}
}

// mainExitHelper is the role "mainexit": Claim, say "ready PID", then end
// the main thread alone, leaving the process to the others, which answer
// "ping" with "pong".
func mainExitHelper(path, _ string, in *bufio.Reader, say func(string, ...any)) int {
	if unix.Gettid() != os.Getpid() {
		say("error not on the main thread")
		return 1
	}
	if _, err := Claim(path); err != nil {
		say("error %v", err)
		return 1
	}
	// The main goroutine never returns from here; a collection would wait
	// for it for ever.
	debug.SetGCPercent(-1)
	go func() {
		for {
			l, err := in.ReadString('\n')
			if strings.TrimSpace(l) == "ping" {
				say("pong")
			}
			if err != nil {
				os.Exit(0)
			}
		}
	}()
	say("ready %d", os.Getpid())
	unix.RawSyscall(unix.SYS_EXIT, 0, 0, 0)
	return 1
}

// A holder whose main thread has exited (the others hold the descriptor) is
// named, and signalled.
func TestHolderWithExitedMainThread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	h := startHelper(t, "mainexit", path, "")
	h.Expect("ready ")
	// The main thread is gone once the process's leader is a zombie.
	for deadline := time.Now().Add(10 * time.Second); ; {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", h.PID(), h.PID()))
		if err == nil && strings.Contains(string(b), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the main thread did not exit: %q, %v", b, err)
		}
		time.Sleep(time.Millisecond)
	}
	if !h.Answers() {
		t.Fatal("the helper died with its main thread")
	}
	r, err := ReadExact(path)
	if want := (LockedBy{PID: h.PID(), Source: FromKernel}); r != want || err != nil {
		t.Errorf("ReadExact = %#v, %v; want %#v", r, err, want)
	}
	pid, err := Signal(path, syscall.SIGKILL)
	if pid != h.PID() || err != nil {
		t.Fatalf("Signal = %d, %v; want %d", pid, err, h.PID())
	}
	if sig := h.Signaled(); sig != syscall.SIGKILL {
		t.Errorf("helper ended by signal %d, want KILL", sig)
	}
}

// foreignProcHelper is the role "foreignproc", run as PID 1 of a new PID
// namespace, with the host's /proc or its own: it starts a decoy at the PID that
// arg names (the holder's PID on the host), then says what ReadExact and
// Signal answer, and whether the decoy was signalled.
func foreignProcHelper(path, arg string, _ *bufio.Reader, say func(string, ...any)) int {
	pid, _ := strconv.Atoi(arg)
	if err := os.WriteFile("/proc/sys/kernel/ns_last_pid", []byte(strconv.Itoa(pid-1)), 0); err != nil {
		say("error %v", err)
		return 1
	}
	decoy := atPID(pid, os.Args[0])
	decoy.Env = append(testproc.Environ(), testproc.RoleEnv+"=decoy")
	// The decoy lives while its stdin is open: until this process exits.
	_, err := decoy.StdinPipe()
	var out io.ReadCloser
	if err == nil {
		out, err = decoy.StdoutPipe()
	}
	if err == nil {
		err = decoy.Start()
	}
	if err != nil {
		say("error %v", err)
		return 1
	}
	if l, _ := bufio.NewReader(out).ReadString('\n'); l != fmt.Sprintf("ready %d\n", pid) {
		say("error the decoy said %q, not ready at %d", l, pid)
		return 1
	}
	r, err := ReadExact(path)
	say("readexact %#v %v", r, err)
	spid, err := Signal(path, syscall.SIGKILL)
	say("signal %d %v", spid, err)
	if unix.Kill(pid, 0) == nil {
		say("decoy alive")
	} else {
		say("decoy gone")
	}
	return 0
}

// A caller in another PID namespace whose /proc is still the host's (unshare
// -p -f without --mount-proc) is shown the host's PIDs by /proc/locks, while
// kill acts on its own: it must name and signal nobody.
func TestForeignProcNamesNobody(t *testing.T) {
	checkNamespacedReader(t, "-p", "-f", "--kill-child")
}

// A caller in a child PID namespace with a /proc of its own sees no line of
// the host's holder in /proc/locks; the content's PID, the host's, may name
// one of the namespace's processes: it must name and signal nobody.
func TestChildNamespaceNamesNobody(t *testing.T) {
	checkNamespacedReader(t, "-p", "-f", "--kill-child", "--mount-proc")
}

// checkNamespacedReader runs the role "foreignproc" under unshare with
// flags, against a pidfile that a holder of the host holds and names.
func checkNamespacedReader(t *testing.T, flags ...string) {
	testproc.RequireRoot(t)
	path := filepath.Join(t.TempDir(), "d.pid")
	holder := startHolder(t, path)
	cmd := exec.Command(testproc.LookTool(t, "unshare"), append(flags, os.Args[0])...)
	h := startHelperCmd(t, cmd, "foreignproc", path, strconv.Itoa(holder.PID()))
	if l := h.Line(); strings.Contains(l, "LockedBy") {
		t.Errorf("in the namespace, %s: a PID of the host named as one of the namespace", l)
	}
	if l := h.Line(); !strings.HasPrefix(l, "signal 0 ") {
		t.Errorf("in the namespace, %s: want no signal", l)
	}
	if l := h.Line(); l != "decoy alive" {
		t.Errorf("in the namespace, %s", l)
	}
	if !holder.Answers() {
		t.Error("the holder was signalled")
	}
}

// A held lock whose holder cannot be named is, for Status, a LockedBy with
// PID 0 and Source Unknown, not an error; Read's error stays.
func TestStatusUnknownHolder(t *testing.T) {
	testproc.RequireRoot(t)
	path := filepath.Join(t.TempDir(), "d.pid")
	takerGone(t, path, 0)
	for name, status := range map[string]func(string) (Result, error){"Status": Status, "StatusExact": StatusExact} {
		if r, err := status(path); r != (LockedBy{PID: 0, Source: Unknown}) || err != nil {
			t.Errorf("%s = %#v, %v; want an unknown holder", name, r, err)
		}
	}
	if _, err := ReadExact(path); !errors.Is(err, ErrInheritedLock) {
		t.Errorf("ReadExact: %v, want ErrInheritedLock", err)
	}
}
