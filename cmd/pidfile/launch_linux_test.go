package main

// The launcher end to end: run -detach, -log, -user, and stop, with the built
// command, real daemons and real peers. A detached daemon is an orphan once
// run returns; this process is the subreaper of its descendants
// (adoptOrphans), so the orphan becomes its child, to be reaped when it
// exits and killed and reaped when the test ends.

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

	"golang.org/x/sys/unix"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// orphan is a daemon that pidfile run -detach started, adopted by this
// process (becomeSubreaper), which reaps it the moment it exits.
type orphan struct {
	pid    int
	done   chan struct{}
	status syscall.WaitStatus
	err    error
}

// adopt reaps pid when it exits, and kills it when the test ends.
func adopt(t *testing.T, pid int) *orphan {
	t.Helper()
	o := &orphan{pid: pid, done: make(chan struct{})}
	go func() {
		defer close(o.done)
		for {
			_, o.err = syscall.Wait4(pid, &o.status, 0, nil)
			if o.err != syscall.EINTR {
				return
			}
		}
	}()
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		<-o.done
	})
	return o
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wait waits for the orphan to exit and be reaped.
func (o *orphan) wait(t *testing.T) syscall.WaitStatus {
	t.Helper()
	select {
	case <-o.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("process %d did not exit", o.pid)
	}
	if o.err != nil {
		t.Fatalf("reaping %d: %v (is this process its subreaper? see adoptOrphans)", o.pid, o.err)
	}
	return o.status
}

// detach runs `pidfile run -detach [flags] PATH -- CMD...`, expects it to
// succeed, and adopts the daemon whose PID it prints.
func detach(t *testing.T, path string, flags []string, cmd ...string) *orphan {
	t.Helper()
	stopAtEnd(t, path)
	args := append(append(append([]string{"run", "-detach"}, flags...), path, "--"), cmd...)
	r := pidfileCmd(t, args...)
	pid, err := strconv.Atoi(strings.TrimSuffix(r.stdout, "\n"))
	if r.code != 0 || err != nil || r.stderr != "" {
		t.Fatalf("pidfile %v: exit %d, stdout %q, stderr %q; want 0 and a PID", args, r.code, r.stdout, r.stderr)
	}
	return adopt(t, pid)
}

// procStat returns the fields of /proc/PID/stat after the command name.
func procStat(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
}

// openFDs lists where the descriptors of process pid lead.
func openFDs(t *testing.T, pid int) map[int]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fds := map[int]string{}
	for _, e := range entries {
		fd, _ := strconv.Atoi(e.Name())
		fds[fd], _ = os.Readlink(filepath.Join(dir, e.Name()))
	}
	return fds
}

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

// marker is an argument that makes a test's command findable among all
// processes, to prove that it never started.
func marker() string {
	return fmt.Sprintf("%d.%d", os.Getpid(), time.Now().UnixNano()%1e9)
}

// startedWith reports whether any process has arg among its arguments, and
// kills and reaps such a process, so that a test that finds one leaves
// nothing behind.
func startedWith(t *testing.T, arg string) bool {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), "\x00"+arg+"\x00") {
			found = true
			if pid, err := strconv.Atoi(d.Name()); err == nil {
				killAndReap(pid)
			}
		}
	}
	return found
}

// killAndReap kills pid, and reaps it if it is a child of this process (an
// orphan adopted as subreaper).
func killAndReap(pid int) {
	syscall.Kill(pid, syscall.SIGKILL)
	var ws syscall.WaitStatus
	for {
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
			return
		}
	}
}

// stopAtEnd kills whatever holds path when the test ends, as a net under a
// test that fails before it learns a detached daemon's PID.
func stopAtEnd(t *testing.T, path string) {
	t.Cleanup(func() {
		b, err := os.ReadFile(path)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil &&
			exitCode(t, testproc.LookTool(t, "flock"), "-n", path, "true") != 0 {
			killAndReap(pid)
		}
	})
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
		{"held", heldPath, nil, "sleep", 1, strconv.Itoa(holder.pid()), false},
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

// uidLines returns the Uid, Gid and Groups lines of /proc/PID/status.
func uidLines(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && (k == "Uid" || k == "Gid" || k == "Groups") {
			lines[k] = strings.Join(strings.Fields(v), " ")
		}
	}
	return lines
}

func TestRunUser(t *testing.T) {
	testproc.RequireRoot(t)
	// A directory only root may write: the claim happens before the
	// switch.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "d.pid")
	// The caller has supplementary groups of its own, which must not pass
	// to the daemon.
	stopAtEnd(t, path)
	cmd := exec.Command(bin, "run", "-detach", "-user", "nobody", path, "--", "sleep", "3600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 0, Gid: 0, Groups: []uint32{0, 4, 27}}}
	out, err := cmd.Output()
	pid, perr := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || perr != nil {
		t.Fatalf("run -detach -user nobody: %v, %q", err, out)
	}
	d := adopt(t, pid)
	want := map[string]string{"Uid": "65534 65534 65534 65534", "Gid": "65534 65534 65534 65534", "Groups": "65534"}
	if got := uidLines(t, d.pid); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the daemon's credentials are %v, want %v", got, want)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Errorf("the pidfile: %v, %v; want it root's", fi, err)
	}
	if r := pidfileCmd(t, "pid", path); r.stdout != strconv.Itoa(d.pid)+"\n" {
		t.Errorf("pid: %q, want the daemon %d", r.stdout, d.pid)
	}

	// Foreground.
	r := pidfileCmd(t, "run", "-user", "nobody", filepath.Join(dir, "e.pid"), "--", "sh", "-c", "id -u; echo $HOME $USER $LOGNAME")
	if r.code != 0 || r.stdout != "65534\n/nonexistent nobody nobody\n" {
		t.Errorf("run -user nobody -- id -u: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	// A caller that is not root is refused, before anything starts.
	mark := marker()
	cmd = exec.Command(bin, "run", "-user", "root", filepath.Join(t.TempDir(), "f.pid"), "--", "sleep", mark)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err = cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 4 || !strings.Contains(string(out), "only root") || startedWith(t, mark) {
		t.Errorf("run -user as nobody: %v, %q; want exit 4 saying only root may, and nothing started", err, out)
	}
}

func TestStop(t *testing.T) {
	t.Run("TERM", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "d.pid")
		d := startRun(t, path)
		if r := pidfileCmd(t, "stop", path); r.code != 0 || r.stderr != "" {
			t.Errorf("stop: exit %d, stderr %q", r.code, r.stderr)
		}
		if sig := d.signalled(t); sig != syscall.SIGTERM {
			t.Errorf("the daemon ended by %v, want TERM", sig)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the pidfile is gone: %v", err)
		}
		if code := exitCode(t, testproc.LookTool(t, "flock"), "-n", path, "true"); code != 0 {
			t.Error("the pidfile is still locked after stop")
		}
	})
	t.Run("-s INT", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "d.pid")
		d := startRun(t, path)
		if r := pidfileCmd(t, "stop", "-s", "INT", path); r.code != 0 {
			t.Errorf("stop -s INT: exit %d, stderr %q", r.code, r.stderr)
		}
		if sig := d.signalled(t); sig != syscall.SIGINT {
			t.Errorf("the daemon ended by %v, want INT", sig)
		}
	})
	t.Run("ignores TERM", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "d.pid")
		// An ignored signal stays ignored across exec. The shell says
		// when it ignores TERM: a TERM before would end it.
		ignoring := filepath.Join(t.TempDir(), "ignoring")
		d := start(t, bin, "run", path, "--", "sh", "-c", `trap "" TERM; touch "$0"; exec sleep 3600`, ignoring)
		d.waitHolding(t, path)
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
			if _, err := os.Stat(ignoring); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the daemon never said it ignores TERM")
			}
		}
		r := pidfileCmd(t, "stop", "-timeout", "200ms", path)
		if r.code != 0 || !strings.Contains(r.stderr, "KILL") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("stop: exit %d, stderr %q; want 0 and one line saying it sent KILL", r.code, r.stderr)
		}
		if sig := d.signalled(t); sig != syscall.SIGKILL {
			t.Errorf("the daemon ended by %v, want KILL", sig)
		}
	})
	t.Run("not held", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "d.pid")
		if r := pidfileCmd(t, "stop", path); r.code != 0 {
			t.Errorf("stop without a file: exit %d, stderr %q", r.code, r.stderr)
		}
		decoy := start(t, "cat")
		if err := os.WriteFile(path, []byte(strconv.Itoa(decoy.pid())+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := pidfileCmd(t, "stop", path); r.code != 0 {
			t.Errorf("stop of a file nobody holds: exit %d, stderr %q", r.code, r.stderr)
		}
		select {
		case <-decoy.done:
			t.Error("stop signalled the process that the stale content names")
		default:
		}
	})
	t.Run("flock holder under a decoy", func(t *testing.T) {
		// Without the table, root's own content is believed, and the
		// decoy it names would be signalled: the corner that the README
		// names for macOS and the BSDs.
		requireLockTable(t)
		path := filepath.Join(t.TempDir(), "d.pid")
		decoy := decoyFile(t, path, 0, 0o644)
		holder := startFlock(t, path, 0)
		if r := pidfileCmd(t, "stop", path); r.code != 0 {
			t.Errorf("stop: exit %d, stderr %q", r.code, r.stderr)
		}
		holderTermedDecoyNot(t, holder, decoy)
	})
	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{{"stop", "-s", "NOSUCH", "x"}, {"stop", "-timeout", "-1s", "x"}, {"stop"}} {
			if r := pidfileCmd(t, args...); r.code != 2 {
				t.Errorf("%v: exit %d, want 2", args, r.code)
			}
		}
	})
}

// start-stop-daemon sees a daemon that run -detach started, and stops it.
func TestStartStopDaemonStopsDetached(t *testing.T) {
	ssd := testproc.LookTool(t, "start-stop-daemon")
	path := filepath.Join(t.TempDir(), "d.pid")
	d := detach(t, path, nil, "sleep", "3600")
	if code := exitCode(t, ssd, "--status", "--pidfile", path); code != 0 {
		t.Errorf("start-stop-daemon --status: exit %d, want 0 (running)", code)
	}
	if code := exitCode(t, ssd, "--stop", "--pidfile", path, "--retry", "5"); code != 0 {
		t.Errorf("start-stop-daemon --stop --retry 5: exit %d, want 0", code)
	}
	if ws := d.wait(t); ws.Signal() != syscall.SIGTERM {
		t.Errorf("the daemon ended with %v, want TERM", ws)
	}
	if r := pidfileCmd(t, "status", path); r.code != 1 {
		t.Errorf("status after the stop: exit %d, want 1", r.code)
	}
}

// checkFailedStart checks a run -detach that did not start CMD: exit 3 in one
// line that says says, and nothing left (checkNothingLeft).
func checkFailedStart(t *testing.T, r result, says, mark, path string) {
	t.Helper()
	if r.code != 3 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, says) {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3 and one line saying %q", r.code, r.stdout, r.stderr, says)
	}
	checkNothingLeft(t, mark, path)
}

// checkNothingLeft checks that no process has mark among its arguments (one
// that has is killed), and that path, if it exists, is not locked.
func checkNothingLeft(t *testing.T, mark, path string) {
	t.Helper()
	if startedWith(t, mark) {
		t.Error("the command was started, or left running")
	}
	if _, err := os.Stat(path); err == nil && exitCode(t, testproc.LookTool(t, "flock"), "-n", path, "true") != 0 {
		t.Error("the pidfile was left locked")
	}
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

// A daemon run as another user gets a descriptor of the pidfile that holds
// the lock but cannot change the content: it cannot name another process in
// root's pidfile.
func TestRunUserCannotWriteThePidfile(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "d.pid")
	log := filepath.Join(dir, "d.log")
	const plant = `for f in /proc/$$/fd/*; do [ "$(readlink "$f")" = "$0" ] && n=${f##*/}; done
if [ -z "$n" ]; then echo no descriptor; elif eval "printf '1\n' >&$n" 2>/dev/null; then echo planted; else echo refused; fi
exec sleep 3600`
	d := detach(t, path, []string{"-user", "nobody", "-log", log}, "sh", "-c", plant, path)
	var said string
	for deadline := time.Now().Add(60 * time.Second); said == "" && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b, _ := os.ReadFile(log)
		said = string(b)
	}
	if said != "refused\n" {
		t.Errorf("the daemon, as nobody, said %q; want it refused a write to its descriptor of the pidfile", said)
	}
	if got, _ := os.ReadFile(path); string(got) != strconv.Itoa(d.pid)+"\n" {
		t.Errorf("the pidfile holds %q, want the daemon's PID %d", got, d.pid)
	}
	if r := pidfileCmd(t, "pid", path); r.stdout != strconv.Itoa(d.pid)+"\n" {
		t.Errorf("pid: %q, want the daemon %d", r.stdout, d.pid)
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
	if l := d.stderrLine(t); !strings.Contains(l, "held by process "+strconv.Itoa(holder.pid())) || !strings.Contains(l, "waiting") {
		t.Errorf("run -detach -wait said %q on its standard error, want that it waits for %d", l, holder.pid())
	}
	holder.stop(t)
	<-d.done
	if code := d.cmd.ProcessState.ExitCode(); code != 0 {
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

// run sets up CMD's execution environment after the claim: working
// directory, umask, niceness, resource limits and environment variables,
// in the foreground and detached.
func TestRunEnvironment(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	must(t, os.WriteFile(envFile, []byte("# comment\n\nFOO=from-file\nBAR=b=c\n"), 0o600))
	flags := []string{"-chdir", dir, "-umask", "027", "-nice", "5", "-limit", "nofile=123:456", "-limit", "core=unlimited",
		"-env-file", envFile, "-env", "FOO=from-flag"}
	script := `pwd; umask; nice; grep -E "^Max (open files|core file size)" /proc/self/limits | tr -s " "; echo "$FOO $BAR"`
	// -nice is relative to the niceness run starts with: this test's.
	out, err := exec.Command("nice").Output()
	must(t, err)
	base, err := strconv.Atoi(strings.TrimSpace(string(out)))
	must(t, err)
	r := pidfileCmd(t, append(append([]string{"run"}, flags...), filepath.Join(dir, "d.pid"), "--", "sh", "-c", script)...)
	want := fmt.Sprintf("%s\n0027\n%d\nMax core file size unlimited unlimited bytes \nMax open files 123 456 files \nfrom-flag b=c\n",
		dir, min(base+5, 19))
	if r.code != 0 || r.stdout != want {
		t.Errorf("run %v: exit %d, stdout %q, stderr %q; want %q", flags, r.code, r.stdout, r.stderr, want)
	}

	// Detached, as /proc tells of the daemon.
	d := detach(t, filepath.Join(dir, "e.pid"), []string{"-chdir", "/", "-nice", "3", "-env", "X=1"}, "sleep", "3600")
	if f := procStat(t, d.pid); f[16] != strconv.Itoa(min(base+3, 19)) {
		t.Errorf("the daemon's niceness is %s, want %d", f[16], min(base+3, 19))
	}
	if cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", d.pid)); cwd != "/" {
		t.Errorf("the daemon's working directory is %q, want /", cwd)
	}
	if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", d.pid)); !strings.Contains("\x00"+string(b), "\x00X=1\x00") {
		t.Errorf("the daemon's environment lacks X=1")
	}
}

// -env names HOME, USER or LOGNAME over what -user sets.
func TestRunEnvironmentOverUser(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	r := pidfileCmd(t, "run", "-user", "nobody", "-env", "HOME=/elsewhere", filepath.Join(dir, "d.pid"), "--", "sh", "-c", `echo "$HOME $USER"`)
	if r.code != 0 || r.stdout != "/elsewhere nobody\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want HOME from -env, USER from -user", r.code, r.stdout, r.stderr)
	}
}

// A bad value of the environment's flags is refused in one line, before
// anything starts and with the pidfile free: a usage error (2) for a value
// that does not parse, 4 for one that cannot be applied or read.
func TestRunEnvironmentRefusals(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.env")
	must(t, os.WriteFile(bad, []byte("A=1\nnot a setting\n"), 0o600))
	for _, tc := range []struct {
		flags []string
		code  int
		says  string
	}{
		{[]string{"-limit", "nofile=abc"}, 2, "abc"},
		{[]string{"-limit", "files=10"}, 2, "NAME one of"},
		{[]string{"-limit", "nofile=10:5"}, 2, "above the hard"},
		{[]string{"-nice", "x"}, 2, "-nice"},
		{[]string{"-umask", "999"}, 2, "octal"},
		{[]string{"-env", "NOEQUALS"}, 2, "KEY=VALUE"},
		{[]string{"-chdir", filepath.Join(dir, "missing")}, 4, "-chdir"},
		{[]string{"-env-file", bad}, 4, "line 2"},
		{[]string{"-env-file", filepath.Join(dir, "missing.env")}, 4, "-env-file"},
	} {
		for _, detached := range []bool{false, true} {
			path := filepath.Join(dir, "d.pid")
			args := []string{"run"}
			if detached {
				args = append(args, "-detach")
			}
			mark := marker()
			r := pidfileCmd(t, append(append(args, tc.flags...), path, "--", "sleep", mark)...)
			if r.code != tc.code || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.says) || r.stdout != "" {
				t.Errorf("%v (detached %t): exit %d, stdout %q, stderr %q; want %d and one line saying %q",
					tc.flags, detached, r.code, r.stdout, r.stderr, tc.code, tc.says)
			}
			checkNothingLeft(t, mark, path)
		}
	}
}

// run -detach -ready fd:N returns only once CMD has written a newline to its
// descriptor N, and then prints its PID; CMD that exits first, closes the
// descriptor, or is not ready in time is exit 3, in one line, and nothing is
// left running and the pidfile is free.
func TestRunDetachReadyFD(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"5", "3"} {
		path := filepath.Join(dir, "d"+n+".pid")
		sent := filepath.Join(dir, "sent"+n)
		// The daemon records that it is about to say ready, after a
		// while; run must not have returned before.
		d := detach(t, path, []string{"-ready", "fd:" + n}, "sh", "-c", `sleep 0.2; touch "$0"; echo >&`+n+`; exec sleep 3600`, sent)
		if _, err := os.Stat(sent); err != nil {
			t.Errorf("fd:%s: run returned before the daemon said it was ready", n)
		}
		if r := pidfileCmd(t, "pid", path); r.stdout != strconv.Itoa(d.pid)+"\n" {
			t.Errorf("fd:%s: pid %q, want the daemon %d", n, r.stdout, d.pid)
		}
	}
	for _, tc := range []struct {
		name, timeout, says string
		cmd                 []string
	}{
		{"exits first", "60s", "exited with status 7 before it was ready", []string{"sh", "-c", "exit 7", "MARK"}},
		{"closes the descriptor", "60s", "closed its readiness descriptor (4)", []string{"sh", "-c", "exec 4>&-; exec sleep \"$0\"", "MARK"}},
		{"not ready in time", "1s", "was not ready within 1s", []string{"sleep", "MARK"}},
		// A worker that ignores TERM and holds the lock.
		{"not ready, worker ignores TERM", "1s", "was not ready within 1s", []string{"sh", "-c", `trap "" TERM; sleep "$0" & exec sleep "$0"`, "MARK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "e.pid")
			stopAtEnd(t, path)
			mark := marker()
			args := []string{"run", "-detach", "-ready", "fd:4", "-ready-timeout", tc.timeout, path, "--"}
			for _, a := range tc.cmd {
				args = append(args, strings.ReplaceAll(a, "MARK", mark))
			}
			r := pidfileCmd(t, args...)
			checkFailedStart(t, r, tc.says, mark, path)
		})
	}
	for _, args := range [][]string{
		{"run", "-ready", "fd:4", filepath.Join(dir, "f.pid"), "--", "true"},
		{"run", "-detach", "-ready", "fd:2", filepath.Join(dir, "f.pid"), "--", "true"},
		{"run", "-detach", "-ready", "fd:4", "-ready-timeout", "0s", filepath.Join(dir, "f.pid"), "--", "true"},
	} {
		if r := pidfileCmd(t, args...); r.code != 2 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want a usage error", args, r.code, r.stderr)
		}
	}
}

// run -detach -ready notify returns once CMD has sent READY=1 to
// $NOTIFY_SOCKET (sd_notify), from CMD itself; ERRNO=, an exit, or no READY=1
// in time (EXTEND_TIMEOUT_USEC= extends it) is exit 3 in one line, with the
// last STATUS=, nothing left running and the pidfile free.
func TestRunDetachReadyNotify(t *testing.T) {
	dir := t.TempDir()
	// The daemon is this test binary, in the role "notify".
	role := func(arg string) []string {
		return []string{"-env", roleEnv + "=notify", "-env", argEnv + "=" + arg}
	}
	for _, tc := range []struct {
		name, arg, timeout, says string
	}{
		{"ready", "STATUS=starting|pause|touch:SENT|READY=1", "60s", ""},
		{"extended", "EXTEND_TIMEOUT_USEC=5000000|pause|touch:SENT|READY=1", "1s", ""},
		{"several lines", `STATUS=up\nREADY=1\nMAINPID=1`, "60s", ""},
		{"failed", `STATUS=disk broke\nERRNO=5`, "60s", "ERRNO=5, input/output error (last STATUS=disk broke)"},
		{"exits first", "STATUS=trying|exit", "60s", "exited with status 7 before it was ready (last STATUS=trying)"},
		{"another process", "other", "1s", "was not ready in time"},
		{"never", "STATUS=waiting", "1s", "was not ready in time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "d.pid")
			stopAtEnd(t, path)
			sent := filepath.Join(t.TempDir(), "sent")
			arg := strings.ReplaceAll(tc.arg, "SENT", sent)
			args := append(append([]string{"run", "-detach", "-ready", "notify", "-ready-timeout", tc.timeout}, role(arg)...), path, "--", bin)
			r := pidfileCmd(t, args...)
			if tc.says == "" {
				pid, err := strconv.Atoi(strings.TrimSpace(r.stdout))
				if r.code != 0 || err != nil {
					t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the PID", r.code, r.stdout, r.stderr)
				}
				adopt(t, pid)
				if _, err := os.Stat(sent); strings.Contains(tc.arg, "SENT") && err != nil {
					t.Error("run returned before the daemon sent READY=1")
				}
				if r := pidfileCmd(t, "pid", path); r.stdout != strconv.Itoa(pid)+"\n" {
					t.Errorf("pid %q, want the daemon %d", r.stdout, pid)
				}
				return
			}
			if r.code != 3 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.says) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 3 and one line saying %q", r.code, r.stdout, r.stderr, tc.says)
			}
			if exitCode(t, testproc.LookTool(t, "flock"), "-n", path, "true") != 0 {
				t.Error("the pidfile was left locked, or the daemon left running")
			}
		})
	}
}

// In the foreground, run is the service's main process (it executes CMD in
// its own place): a NOTIFY_SOCKET from systemd (Type=notify) reaches CMD
// untouched.
func TestRunKeepsNotifySocket(t *testing.T) {
	cmd := exec.Command(bin, "run", filepath.Join(t.TempDir(), "d.pid"), "--", "sh", "-c", `echo "$NOTIFY_SOCKET"`)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET=@from-systemd")
	out, err := cmd.Output()
	if err != nil || string(out) != "@from-systemd\n" {
		t.Errorf("run: %v, CMD saw NOTIFY_SOCKET=%q; want @from-systemd", err, out)
	}
}

// groupDaemon starts, detached, a shell that forks two workers (which
// inherit the lock, as workers often do) and waits; it returns the PIDs of
// the shell, which leads the group, and of the workers. The workers become
// this process's children once the shell is gone (it is their subreaper),
// so the group's zombies are reaped here as they come, until the test ends.
func groupDaemon(t *testing.T, path string) []int {
	t.Helper()
	log := filepath.Join(t.TempDir(), "workers")
	d := detach(t, path, []string{"-log", log}, "sh", "-c", `sleep 3600 & echo $!; sleep 3600 & echo $!; wait`)
	pids := []int{d.pid}
	for deadline := time.Now().Add(60 * time.Second); len(pids) < 3; time.Sleep(time.Millisecond) {
		b, _ := os.ReadFile(log)
		if lines := strings.Fields(string(b)); len(lines) == 2 {
			for _, l := range lines {
				pid, err := strconv.Atoi(l)
				must(t, err)
				pids = append(pids, pid)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon said %q", b)
		}
	}
	done := make(chan struct{})
	reaped := make(chan struct{})
	go func() {
		defer close(reaped)
		var ws syscall.WaitStatus
		for {
			syscall.Wait4(-d.pid, &ws, syscall.WNOHANG, nil)
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() {
		syscall.Kill(-d.pid, syscall.SIGKILL)
		close(done)
		<-reaped
		testproc.ReapGroup(d.pid)
	})
	return pids
}

// gone waits until process pid no longer exists (reaped), and reports
// whether it got there.
func gone(pid int) bool {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			return true
		}
	}
	return false
}

// stop -group ends the daemon and the workers it forked; kill without -group
// signals the holder alone; a holder that leads no process group is refused
// by kill -group and stop -group, and nobody is signalled.
func TestGroups(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	pids := groupDaemon(t, path)
	if r := pidfileCmd(t, "stop", "-group", "-timeout", "30s", path); r.code != 0 || r.stderr != "" {
		t.Errorf("stop -group: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, pid := range pids {
		if !gone(pid) {
			t.Errorf("stop -group left process %d", pid)
		}
	}

	path = filepath.Join(dir, "e.pid")
	pids = groupDaemon(t, path)
	if r := pidfileCmd(t, "kill", path); r.code != 0 {
		t.Errorf("kill: exit %d, stderr %q", r.code, r.stderr)
	}
	if !gone(pids[0]) {
		t.Errorf("kill did not end the holder %d", pids[0])
	}
	for _, pid := range pids[1:] {
		if syscall.Kill(pid, 0) != nil {
			t.Errorf("kill without -group ended worker %d", pid)
		}
	}

	// A holder in its caller's process group, not its own.
	path = filepath.Join(dir, "f.pid")
	mark := marker()
	sh := start(t, "sh", "-c", `"$0" run "$1" -- sleep "$2" & wait`, bin, path, mark)
	for deadline := time.Now().Add(60 * time.Second); pidfileCmd(t, "status", path).code != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%v never held %s", sh.cmd.Args, path)
		}
	}
	for _, args := range [][]string{{"kill", "-group", path}, {"stop", "-group", path}} {
		r := pidfileCmd(t, args...)
		if r.code != 4 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "does not lead its process group") {
			t.Errorf("%v: exit %d, stderr %q; want 4 saying the holder leads no group", args, r.code, r.stderr)
		}
	}
	if r := pidfileCmd(t, "status", path); r.code != 0 {
		t.Errorf("the holder was signalled: status exit %d", r.code)
	}
}
