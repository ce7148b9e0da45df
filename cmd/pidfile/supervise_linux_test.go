package main

// run -supervise end to end: the built command supervising shells that fork
// workers, ignore signals, crash and log; and the peers that look at it
// (flock(1), /proc, a socket that plays systemd).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// supervised runs `pidfile run -supervise -detach [flags] PATH -- CMD...`,
// expects it to succeed, and adopts the supervisor. When the test ends, the
// supervisor is stopped, then killed, and every process whose arguments
// hold mark is killed (and reaped: the supervisor's orphans become this
// process's).
func supervised(t *testing.T, path, mark string, flags []string, cmd ...string) *orphan {
	t.Helper()
	t.Cleanup(func() { startedWith(t, mark) })
	o := detach(t, path, append([]string{"-supervise"}, flags...), cmd...)
	// First, a stop: the supervisor ends CMD and reaps what it leaves,
	// which a KILL of the supervisor would leave to this process.
	t.Cleanup(func() { pidfileCmd(t, "stop", path) })
	return o
}

// pidsIn waits until file holds n numbers, and returns them.
func pidsIn(t *testing.T, file string, n int) []int {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		b, _ := os.ReadFile(file)
		if f := strings.Fields(string(b)); len(f) >= n && strings.HasSuffix(string(b), "\n") {
			pids := make([]int, n)
			for i := range pids {
				var err error
				if pids[i], err = strconv.Atoi(f[i]); err != nil {
					t.Fatalf("%s: %q", file, b)
				}
			}
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %q, not %d PIDs", file, b, n)
		}
	}
}

// ended waits until process pid has exited (gone, or a zombie nobody has
// reaped yet) and reports whether it got there.
func ended(pid int) bool {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return true
		}
		if f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])); len(f) > 0 && f[0] == "Z" {
			return true
		}
	}
	return false
}

// free says whether nobody holds path's lock, as flock(1) sees it.
func free(t *testing.T, path string) bool {
	t.Helper()
	return exitCode(t, testproc.LookTool(t, "flock"), "-n", path, "true") == 0
}

// A prefork daemon: CMD forks a worker that keeps every descriptor it
// inherited, then CMD is killed. Under plain run the worker holds the lock
// and nothing can start again; under run -supervise neither CMD nor the
// worker ever had the lock's descriptor, the supervisor ends the worker and
// exits with CMD's status (128+9), and the service can start again.
func TestSuperviseKeepsTheLockFromWorkers(t *testing.T) {
	const script = `sleep 3600 & echo "$$ $!" > "$1"; wait`
	dir := t.TempDir()

	// Without -supervise: the documented inherited lock.
	path, pids := filepath.Join(dir, "plain.pid"), filepath.Join(dir, "plain.pids")
	mark := marker()
	t.Cleanup(func() { startedWith(t, mark) })
	d := detach(t, path, nil, "sh", "-c", script, mark, pids)
	p := pidsIn(t, pids, 2)
	t.Cleanup(func() { killAndReap(p[1]) })
	syscall.Kill(p[0], syscall.SIGKILL)
	d.wait(t)
	// Without a lock table (the portable build) the holder cannot be
	// told apart from its heir: still running, with no PID.
	if r := pidfileCmd(t, "status", path); r.code != 0 || lockTable && !strings.Contains(r.stdout, "inherited") {
		t.Errorf("plain run, CMD killed, worker alive: status exit %d, %q; want running, inherited lock", r.code, r.stdout)
	}
	if r := pidfileCmd(t, "run", "-detach", path, "--", "sleep", "3600"); r.code != exitHeld {
		t.Errorf("plain run, worker alive: a new run got exit %d (%q); want %d", r.code, r.stderr, exitHeld)
	}
	killAndReap(p[1])

	// With -supervise.
	path, pids = filepath.Join(dir, "sup.pid"), filepath.Join(dir, "sup.pids")
	mark = marker()
	sup := supervised(t, path, mark, nil, "sh", "-c", script, mark, pids)
	p = pidsIn(t, pids, 2)
	for _, pid := range p {
		// Nothing of the supervisor's: standard input, and output to
		// /dev/null (-detach without -log), and no other descriptor
		// but the one of PATH.child that holds its lock (cmdGuard).
		for fd, target := range openFDs(t, pid) {
			if target == path || fd > 2 && !(fd == 3 && target == path+childSuffix) {
				t.Errorf("process %d has descriptor %d open, to %s", pid, fd, target)
			}
		}
		if f := procStat(t, pid); f[1] != strconv.Itoa(sup.pid) && pid == p[0] || f[2] != strconv.Itoa(p[0]) {
			t.Errorf("process %d: parent %s, group %s; want CMD a child of the supervisor %d, in a group of its own", pid, f[1], f[2], sup.pid)
		}
	}
	if r := pidfileCmd(t, "pid", path); r.stdout != strconv.Itoa(sup.pid)+"\n" {
		t.Errorf("pid: %q; want the supervisor %d", r.stdout, sup.pid)
	}
	syscall.Kill(p[0], syscall.SIGKILL)
	if ws := sup.wait(t); ws.ExitStatus() != 128+9 {
		t.Errorf("the supervisor exited %v; want status 137 (CMD was killed)", ws)
	}
	if !ended(p[1]) {
		t.Errorf("the worker %d outlived the supervisor", p[1])
	}
	if !free(t, path) {
		t.Error("the lock is held after the supervisor exited")
	}
	supervised(t, path, mark, nil, "sleep", "3600")
}

// stop ends a supervised CMD that ignores TERM, and its worker, within the
// supervisor's -stop-timeout; kill -s HUP reaches CMD.
func TestSuperviseStopAndSignals(t *testing.T) {
	dir := t.TempDir()
	path, pids, got := filepath.Join(dir, "d.pid"), filepath.Join(dir, "pids"), filepath.Join(dir, "got")
	mark := marker()
	script := `trap 'echo HUP >> "$2"' HUP; trap '' TERM; sleep 3600 & echo "$$ $!" > "$1"; while :; do sleep 0.01; done`
	sup := supervised(t, path, mark, []string{"-stop-timeout", "500ms"}, "sh", "-c", script, mark, pids, got)
	p := pidsIn(t, pids, 2)
	if r := pidfileCmd(t, "kill", "-s", "HUP", path); r.code != 0 {
		t.Fatalf("kill -s HUP: exit %d, %q", r.code, r.stderr)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		if b, _ := os.ReadFile(got); string(b) == "HUP\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("CMD never recorded the HUP sent to its supervisor")
		}
	}
	if syscall.Kill(sup.pid, 0) != nil || syscall.Kill(p[0], 0) != nil {
		t.Fatal("HUP ended the supervisor or CMD")
	}
	if r := pidfileCmd(t, "stop", path); r.code != 0 || r.stderr != "" {
		t.Errorf("stop: exit %d, stderr %q; want 0 and nothing said", r.code, r.stderr)
	}
	if ws := sup.wait(t); ws.Signaled() || ws.ExitStatus() != 0 {
		t.Errorf("the supervisor ended %v; want exit 0 for a requested stop", ws)
	}
	for _, pid := range p {
		if !ended(pid) {
			t.Errorf("process %d outlived the stop", pid)
		}
	}
	if !free(t, path) {
		t.Error("the lock is held after stop")
	}
}

var (
	startLine = regexp.MustCompile(`(?m)^(\S+) pidfile run: .*: started .* as process \d+$`)
	delayLine = regexp.MustCompile(`(?m)^\S+ pidfile run: .*: restarting .* in (\S+)$`)
)

// withMark lists the live processes (not zombies) that have mark among
// their arguments.
func withMark(t *testing.T, mark string) []int {
	t.Helper()
	dirs, err := os.ReadDir("/proc")
	must(t, err)
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		stat, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		zombie := strings.HasPrefix(string(stat[strings.LastIndexByte(string(stat), ')')+1:]), " Z")
		if err == nil && strings.Contains(string(b), "\x00"+mark+"\x00") && !zombie {
			pids = append(pids, pid)
		}
	}
	return pids
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	must(t, err)
	return b
}

// Refusals of -supervise's flags: one line, exit 2, nothing started.
func TestSuperviseUsage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	for _, args := range [][]string{
		{"-restart", "always"},
		{"-restart-delay", "1s"},
		{"-restart-max", "3"},
		{"-stop-timeout", "1s"},
		{"-supervise", "-log-size", "1K"},
		{"-supervise", "-log", "l", "-log-keep", "2"},
		{"-supervise", "-restart", "sometimes"},
		{"-supervise", "-restart-delay", "0s"},
		{"-supervise", "-restart-max", "-1"},
		{"-supervise", "-stop-timeout", "0s"},
		{"-supervise", "-log", "l", "-log-size", "0"},
		{"-supervise", "-log", "l", "-log-size", "1T"},
		{"-supervise", "-log", "l", "-log-size", "1K", "-log-keep", "0"},
		{"-supervise", "-log", "l", "-log-size", "1K", "-log-keep", "1001"},
		{"-log", "l"},
	} {
		mark := marker()
		r := pidfileCmd(t, append(append([]string{"run"}, args...), path, "--", "sleep", mark)...)
		if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("run %v: exit %d, stderr %q; want 2 and one line", args, r.code, r.stderr)
		}
		checkNothingLeft(t, mark, path)
	}
}

// -stop-timeout bounds the whole stop: a CMD that takes a while to exit
// leaves its group less than the full -stop-timeout before KILL.
func TestSuperviseStopTimeoutCountsFromTheRequest(t *testing.T) {
	dir := t.TempDir()
	path, pids, log := filepath.Join(dir, "d.pid"), filepath.Join(dir, "pids"), filepath.Join(dir, "log")
	mark := marker()
	// The worker ignores TERM; CMD exits 0.3 s after it.
	script := `trap 'sleep 0.3; exit 0' TERM; (trap '' TERM; while :; do sleep 0.01; done) & echo "$$ $!" > "$1"; while :; do sleep 0.01; done`
	sup := supervised(t, path, mark, []string{"-stop-timeout", "2s", "-log", log}, "sh", "-c", script, mark, pids)
	p := pidsIn(t, pids, 2)
	if r := pidfileCmd(t, "stop", "-timeout", "1h", path); r.code != 0 {
		t.Fatalf("stop: exit %d, %q", r.code, r.stderr)
	}
	sup.wait(t)
	if !ended(p[1]) {
		t.Fatalf("the worker %d outlived the stop", p[1])
	}
	m := regexp.MustCompile(`process group \d+ is not empty after (\S+); sending KILL`).FindStringSubmatch(string(mustRead(t, log)))
	if m == nil {
		t.Fatalf("the log does not say the group got KILL:\n%s", mustRead(t, log))
	}
	if d, err := time.ParseDuration(m[1]); err != nil || d >= 2*time.Second {
		t.Errorf("the group got KILL %s after CMD exited; want what was left of the 2s from the stop request", m[1])
	}
}

// A descriptor that the supervisor inherited from its caller (a shell's
// redirection, not close-on-exec) does not reach CMD.
func TestSuperviseKeepsTheCallersDescriptors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	mark := marker()
	t.Cleanup(func() { startedWith(t, mark) })
	start(t, "sh", "-c", `exec 7</dev/null; exec "$0" run -supervise "$1" -- sleep "$2"`, bin, path, mark)
	// The child is named from its fork; its descriptors are CMD's once
	// it has executed sleep (until then it is this program, setting up).
	child := 0
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		var s state
		if r := pidfileCmd(t, "status", "-json", path); json.Unmarshal([]byte(r.stdout), &s) == nil && s.Child > 0 {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", s.Child)); strings.HasPrefix(string(b), "sleep\x00") {
				child = s.Child
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("status never named the supervisor's child running sleep")
		}
	}
	for fd, target := range openFDs(t, child) {
		if fd > 2 && !(fd == 3 && target == path+childSuffix) {
			t.Errorf("CMD has descriptor %d open, to %s", fd, target)
		}
	}
	if r := pidfileCmd(t, "stop", path); r.code != 0 {
		t.Errorf("stop: exit %d, %q", r.code, r.stderr)
	}
}

// TERM to a supervisor that still waits for the lock (-wait) ends it, as it
// ends run without -supervise: there is no CMD yet to pass it to.
func TestSuperviseTermWhileWaiting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	startRun(t, path)
	mark := marker()
	t.Cleanup(func() { startedWith(t, mark) })
	d := start(t, bin, "run", "-supervise", "-wait", "1h", path, "--", "sleep", mark)
	if l := d.Line(); !strings.Contains(l, "waiting up to 1h") {
		t.Fatalf("stderr %q; want the waiting note", l)
	}
	must(t, d.Cmd.Process.Signal(syscall.SIGTERM))
	if sig := d.Signaled(); sig != syscall.SIGTERM {
		t.Errorf("the waiting supervisor ended by %v; want TERM", sig)
	}
	if startedWith(t, mark) {
		t.Error("CMD was started")
	}
}

// CMD cannot move itself into the supervisor's process group, where the
// KILL to its own group would not reach it: it runs in a session of its
// own, and a process may join only a group of its session.
func TestSuperviseCMDCannotJoinTheSupervisorsGroup(t *testing.T) {
	dir := t.TempDir()
	path, log := filepath.Join(dir, "d.pid"), filepath.Join(dir, "log")
	mark := marker()
	supervised(t, path, mark, []string{"-log", log, "-env", roleEnv + "=joingroup"}, bin, mark)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		b, _ := os.ReadFile(log)
		if _, said, ok := strings.Cut(string(b), "setpgid: "); ok {
			if !strings.HasPrefix(said, "operation not permitted") {
				t.Errorf("CMD's setpgid into the supervisor's group: %q; want EPERM", strings.SplitN(said, "\n", 2)[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CMD never said how its setpgid went; the log holds %q", b)
		}
	}
}
