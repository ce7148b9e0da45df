package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-pidfile/pidfile/internal/testproc"
	"golang.org/x/sys/unix"
)

func TestRunDetach(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	// The caller's stdout, stderr and one more descriptor are pipes, as
	// in pid=$(pidfile run -detach ...) from a script that has more open:
	// each must reach end of file once pidfile exits.
	extraR, extraW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer extraR.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	stopAtEnd(t, path)
	cmd := exec.Command(bin, "run", "-detach", path, "--", "sleep", "3600")
	// Descriptors 3 and 4 are /dev/null, 5 the pipe: above the one
	// descriptor that run passes to its child on purpose.
	cmd.ExtraFiles = []*os.File{null, null, extraW}
	outR, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	extraW.Close()
	eofs := make(chan string, 3)
	var out string
	for name, r := range map[string]io.Reader{"stdout": outR, "stderr": errR, "extra": extraR} {
		go func() {
			b, _ := io.ReadAll(r)
			if name == "stdout" {
				out = string(b)
			}
			eofs <- name
		}()
	}
	for range 3 {
		select {
		case <-eofs:
		case <-time.After(60 * time.Second):
			t.Fatal("a pipe of the caller is still open: the daemon holds it")
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run -detach: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSuffix(out, "\n"))
	if err != nil {
		t.Fatalf("run -detach printed %q, want a PID", out)
	}
	daemon := adopt(t, pid)

	if code := exitCode(t, testproc.LookTool(t, "flock"), "-n", path, "true"); code != 1 {
		t.Errorf("flock -n right after run -detach: exit %d, want 1 (locked)", code)
	}
	if got, _ := os.ReadFile(path); string(got) != out {
		t.Errorf("the pidfile says %q, run printed %q", got, out)
	}
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); filepath.Base(exe) != "sleep" {
		t.Errorf("process %d is %q, want CMD itself (sleep)", pid, exe)
	}
	stat := procStat(t, pid)
	if own := procStat(t, os.Getpid())[3]; stat[3] == own || stat[3] != strconv.Itoa(pid) {
		t.Errorf("the daemon's session is %s (this test's is %s), want one of its own", stat[3], own)
	}
	if stat[4] != "0" {
		t.Errorf("the daemon has controlling terminal %s, want none", stat[4])
	}
	// Standard streams on /dev/null, the pidfile open, and nothing of the
	// caller's: no pipe, no socket. (CMD may open files of its own as it
	// starts, such as the C library's locale files.)
	fds := openFDs(t, pid)
	for fd := range 3 {
		if fds[fd] != "/dev/null" {
			t.Errorf("the daemon's descriptor %d is %q, want /dev/null", fd, fds[fd])
		}
	}
	holds := false
	for fd, target := range fds {
		holds = holds || target == path
		if strings.HasPrefix(target, "pipe:") || strings.HasPrefix(target, "socket:") {
			t.Errorf("the daemon has descriptor %d open on %s", fd, target)
		}
	}
	if !holds {
		t.Errorf("the daemon's descriptors %v do not include the pidfile", fds)
	}
	if r := pidfileCmd(t, "stop", path); r.code != 0 {
		t.Errorf("stop: exit %d, stderr %q", r.code, r.stderr)
	}
	if ws := daemon.wait(t); ws.Signal() != syscall.SIGTERM {
		t.Errorf("the daemon ended with %v, want SIGTERM", ws)
	}
}

// Every refusal of run -detach says why in one line, starts nothing, and
// leaves the pidfile unlocked.
func TestRunDetachRefusals(t *testing.T) {
	dir := t.TempDir()
	heldPath := filepath.Join(dir, "held.pid")
	holder := startRun(t, heldPath)
	notExec := filepath.Join(dir, "script")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.pid")
	if err := os.Symlink(heldPath, link); err != nil {
		t.Fatal(err)
	}
	rootOnly := filepath.Join(dir, "root-only")
	if err := os.WriteFile(rootOnly, []byte("#!/bin/sh\nexec sleep \"$@\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	free := filepath.Join(dir, "free.pid")
	for _, tc := range []struct {
		name    string
		path    string
		flags   []string
		cmd     string
		code    int
		says    string
		needsID bool
	}{
		{"held", heldPath, nil, "sleep", 1, strconv.Itoa(holder.PID()), false},
		{"not found", free, nil, "no-such-command-anywhere", 127, "not found", false},
		{"not executable", free, nil, notExec, 126, "not executable", false},
		{"unsafe pidfile", link, nil, "sleep", 4, "symbolic link", false},
		// Found and executable for root, not for nobody: execve fails in
		// the detached child after the claim.
		{"not executable as the user", free, []string{"-user", "nobody"}, rootOnly, 126, "permission denied", true},
		{"unknown user", free, []string{"-user", "no-such-user-here"}, "sleep", 4, "unknown user", false},
		// IDs out of uid_t's range, which a look-up could cut to root's.
		{"UID 2^32", free, []string{"-user", "4294967296"}, "sleep", 4, "from 0 to 4294967294", true},
		{"UID -2^32", free, []string{"-user", "-4294967296"}, "sleep", 4, "from 0 to 4294967294", true},
		{"UID -1", free, []string{"-user", "4294967295"}, "sleep", 4, "from 0 to 4294967294", true},
		{"GID 2^32", free, []string{"-user", "nobody:4294967296"}, "sleep", 4, "from 0 to 4294967294", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needsID {
				testproc.RequireRoot(t)
			}
			mark := marker()
			args := append(append([]string{"run", "-detach"}, tc.flags...), tc.path, "--", tc.cmd, mark)
			r := pidfileCmd(t, args...)
			if r.code != tc.code || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
				!strings.Contains(strings.ToLower(r.stderr), tc.says) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and one line saying %q", r.code, r.stdout, r.stderr, tc.code, tc.says)
			}
			if tc.path == heldPath || tc.path == link {
				if startedWith(t, mark) { // the pidfile is held on purpose
					t.Error("the command was started")
				}
			} else {
				checkNothingLeft(t, mark, tc.path)
			}
		})
	}
}

// -log appends both output streams to the file, after what it held.
func TestRunDetachLog(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "d.log")
	if err := os.WriteFile(log, []byte("before\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	detach(t, filepath.Join(dir, "d.pid"), []string{"-log", log}, "sh", "-c", "echo out; echo err >&2; exec sleep 3600")
	want := "before\nout\nerr\n"
	for deadline := time.Now().Add(60 * time.Second); ; {
		got, _ := os.ReadFile(log)
		if string(got) == want {
			break
		}
		if time.Now().After(deadline) || !strings.HasPrefix(want, string(got)) {
			t.Fatalf("log holds %q, want the old line, then stdout, then stderr", got)
		}
		time.Sleep(time.Millisecond)
	}

	// A new log gets 0640 less the umask; a symbolic link is refused.
	fresh := filepath.Join(dir, "new.log")
	detach(t, filepath.Join(dir, "e.pid"), []string{"-log", fresh}, "sleep", "3600")
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm()&^0o640 != 0 || fi.Mode().Perm()&0o600 != 0o600 {
		t.Errorf("new log: %v, %v; want mode 0640 less the umask", fi.Mode(), err)
	}
	link := filepath.Join(dir, "link.log")
	if err := os.Symlink(log, link); err != nil {
		t.Fatal(err)
	}
	mark := marker()
	r := pidfileCmd(t, "run", "-detach", "-log", link, filepath.Join(dir, "f.pid"), "--", "sleep", mark)
	if r.code != 4 || startedWith(t, mark) {
		t.Errorf("-log through a symbolic link: exit %d, stderr %q; want 4 and nothing started", r.code, r.stderr)
	}
}

// checkFailedStart checks a run -detach that did not start CMD: exit 3 in one
// line that says says, and nothing left (checkNothingLeft).
func checkFailedStart(t *testing.T, r result, says, mark, path string) {
	t.Helper()
	if r.code != 3 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, says) {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3 and one line saying %q", r.code, r.stdout, r.stderr, says)
	}
	if !strings.Contains(r.stderr, "(its output went to /dev/null: -log FILE keeps it)") {
		t.Errorf("stderr %q does not say where CMD's output went", r.stderr)
	}
	checkNothingLeft(t, mark, path)
}

// run -detach reports success only for a command that runs holding the
// pidfile a moment after its exec: one that exits at once, is killed, or lets
// go of the lock is an error (exit 3), in one line, and leaves nothing
// running and nothing locked.
func TestRunDetachConfirmsTheStart(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, script, says string
	}{
		{"exits", `exit 7`, "exited with status 7"},
		{"killed", `kill -9 $$`, "was killed by signal KILL"},
		{"lets go", `for fd in 3 4 5 6 7 8 9; do eval "exec $fd<&-"; done; exec sleep "$0"`, "does not hold"},
		// A worker that inherited the lock, left behind in CMD's group.
		{"leaves a worker", `sleep "$0" & exit 1`, "exited with status 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".pid")
			stopAtEnd(t, path)
			mark := marker()
			r := pidfileCmd(t, "run", "-detach", path, "--", "sh", "-c", tc.script, mark)
			checkFailedStart(t, r, tc.says, mark, path)
		})
	}
}

// The "waiting" of run -detach -wait is for the operator's terminal, not the
// daemon's log.
func TestRunDetachWaitSaysSoOnTheTerminal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	log := filepath.Join(dir, "d.log")
	holder := startRun(t, path)
	stopAtEnd(t, path)
	d := start(t, bin, "run", "-detach", "-wait", "60s", "-log", log, path, "--", "sleep", "3600")
	if l := d.Line(); !strings.Contains(l, "held by process "+strconv.Itoa(holder.PID())) || !strings.Contains(l, "waiting") {
		t.Errorf("run -detach -wait said %q on its standard error, want that it waits for %d", l, holder.PID())
	}
	holder.Stop()
	<-d.Done()
	if code := d.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("run -detach -wait: exit %d", code)
	}
	if b, _ := os.ReadFile(log); strings.Contains(string(b), "waiting") {
		t.Errorf("the log holds %q", b)
	}
}

// The daemon starts with no signal ignored or blocked, whatever its caller
// ignored (nohup, a shell's &) or blocked.
func TestRunDetachResetsSignals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	stopAtEnd(t, path)
	cmd := exec.Command("sh", "-c", `trap "" HUP INT TSTP TTIN TTOU; exec "$0" "$@"`, bin, "run", "-detach", path, "--", "sleep", "3600")
	// The mask is the forking thread's, which this goroutine keeps.
	runtime.LockOSThread()
	var usr1, old unix.Sigset_t
	usr1.Val[0] = 1 << (syscall.SIGUSR1 - 1)
	must(t, unix.PthreadSigmask(unix.SIG_BLOCK, &usr1, &old))
	out, err := cmd.Output()
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	runtime.UnlockOSThread()
	pid, perr := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || perr != nil {
		t.Fatalf("run -detach: %v, %q", err, out)
	}
	adopt(t, pid)
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	must(t, err)
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, _ := strings.Cut(l, ":\t"); (k == "SigBlk" || k == "SigIgn") && strings.Trim(v, "0") != "" {
			t.Errorf("the daemon's %s is %s, want none", k, v)
		}
	}
}

// -log refuses a file that another user owns or may write, and the pidfile
// itself, before anything starts.
func TestRunDetachLogRefusals(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	must(t, os.WriteFile(path, nil, 0o644))
	stopAtEnd(t, path)
	others := filepath.Join(dir, "others.log")
	must(t, os.WriteFile(others, nil, 0o600))
	must(t, os.Chown(others, 65534, 65534))
	writable := filepath.Join(dir, "writable.log")
	must(t, os.WriteFile(writable, nil, 0o600))
	must(t, os.Chmod(writable, 0o620))
	child := path + ".child"
	must(t, os.WriteFile(child, nil, 0o644))
	locked := filepath.Join(dir, "other.pid")
	must(t, os.WriteFile(locked, nil, 0o644))
	lockFD, err := unix.Open(locked, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(lockFD)
	must(t, unix.Flock(lockFD, unix.LOCK_EX))
	// A directory of the path that is a symbolic link that nobody made,
	// to a directory that holds a file root could append to.
	target := filepath.Join(dir, "etc")
	must(t, os.Mkdir(target, 0o755))
	must(t, os.WriteFile(filepath.Join(target, "passwd"), nil, 0o644))
	link := filepath.Join(dir, "logs")
	must(t, os.Symlink(target, link))
	must(t, os.Lchown(link, 65534, 65534))
	for log, says := range map[string]string{
		others:                         "owned by user 65534",
		writable:                       "writable by its group",
		path:                           "this is " + path,
		child:                          "this is " + child,
		locked:                         "holds a lock on it",
		"/dev/zero":                    "neither a terminal nor /dev/null",
		filepath.Join(link, "passwd"):  "symbolic link that user 65534 made",
		filepath.Join(link, "new.log"): "symbolic link that user 65534 made",
	} {
		mark := marker()
		r := pidfileCmd(t, "run", "-detach", "-log", log, path, "--", "sleep", mark)
		if r.code != 4 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, says) || startedWith(t, mark) {
			t.Errorf("-log %s: exit %d, stderr %q; want 4, one line saying %q, and nothing started", log, r.code, r.stderr, says)
		}
	}
	if _, err := os.Lstat(filepath.Join(target, "new.log")); err == nil {
		t.Error("a log was created through another user's symbolic link")
	}
	// A symbolic link of root's is followed, and /dev/null is a log.
	rootLink := filepath.Join(dir, "rootlogs")
	must(t, os.Symlink(target, rootLink))
	for _, log := range []string{filepath.Join(rootLink, "d.log"), os.DevNull} {
		d := detach(t, filepath.Join(dir, "ok.pid"), []string{"-log", log}, "sleep", "3600")
		syscall.Kill(d.pid, syscall.SIGKILL)
		d.wait(t)
	}
}

// The detached child that cannot tell its parent that it executes CMD (the
// status pipe is broken) does not execute it: the parent would otherwise
// wait for the daemon's whole life, or report a failure while it runs.
func TestDetachedChildNeedsItsStatusPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	stopAtEnd(t, path)
	r, w, err := os.Pipe()
	must(t, err)
	r.Close()
	defer w.Close()
	mark := marker()
	// A child that executes CMD all the same would run as long as CMD.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, detachedRun, path, "--", "sleep", mark)
	cmd.ExtraFiles = []*os.File{w}
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitUnknown {
		t.Errorf("the detached child: %v, want exit %d", err, exitUnknown)
	}
	checkNothingLeft(t, mark, path)
}

// A failed start with -log shows the last lines that CMD wrote there during
// this start, and nothing that was in the file before; with -supervise too.
func TestRunDetachFailedStartShowsLastLines(t *testing.T) {
	dir := t.TempDir()
	script := `echo one; echo two; echo three; echo four; echo five; echo "bad setting on line 3" >&2; exit 1`
	for _, flags := range [][]string{{"-detach"}, {"-detach", "-supervise"}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			path := filepath.Join(dir, strconv.Itoa(len(flags))+".pid")
			log := path + ".log"
			must(t, os.WriteFile(log, []byte("an earlier start's line\n"), 0o600))
			stopAtEnd(t, path)
			r := pidfileCmd(t, append(append([]string{"run"}, flags...), "-log", log, path, "--", "sh", "-c", script)...)
			if r.code != 3 {
				t.Fatalf("exit %d, stderr %q; want 3", r.code, r.stderr)
			}
			_, shown, ok := strings.Cut(r.stderr, "pidfile run: the last lines in "+log+":\n")
			if !ok || !strings.Contains(shown, "  bad setting on line 3\n") || strings.Contains(shown, "earlier") ||
				len(flags) == 1 && shown != "  two\n  three\n  four\n  five\n  bad setting on line 3\n" {
				t.Errorf("stderr %q; want CMD's last five lines of this start under a heading", r.stderr)
			}
		})
	}
}
