package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

func TestStop(t *testing.T) {
	t.Run("TERM", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "d.pid")
		d := startRun(t, path)
		if r := pidfileCmd(t, "stop", path); r.code != 0 || r.stderr != "" {
			t.Errorf("stop: exit %d, stderr %q", r.code, r.stderr)
		}
		if sig := d.Signaled(); sig != syscall.SIGTERM {
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
		if sig := d.Signaled(); sig != syscall.SIGINT {
			t.Errorf("the daemon ended by %v, want INT", sig)
		}
	})
	for _, flags := range [][]string{{"-timeout", "200ms"}, {"-retry", "TERM/0.2/KILL/5"}} {
		t.Run("ignores TERM "+strings.Join(flags, " "), func(t *testing.T) { stopIgnoringTERM(t, flags) })
	}
	t.Run("not held", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "d.pid")
		if r := pidfileCmd(t, "stop", path); r.code != 0 {
			t.Errorf("stop without a file: exit %d, stderr %q", r.code, r.stderr)
		}
		decoy := start(t, "cat")
		if err := os.WriteFile(path, []byte(strconv.Itoa(decoy.PID())+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := pidfileCmd(t, "stop", path); r.code != 0 {
			t.Errorf("stop of a file nobody holds: exit %d, stderr %q", r.code, r.stderr)
		}
		select {
		case <-decoy.Done():
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
			t.Fatalf("%v never held %s", sh.Cmd.Args, path)
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

// stopIgnoringTERM stops, with flags, a holder that ignores TERM: TERM, and
// KILL after 200 ms, in one line.
func stopIgnoringTERM(t *testing.T, flags []string) {
	path := filepath.Join(t.TempDir(), "d.pid")
	// An ignored signal stays ignored across exec. The shell says
	// when it ignores TERM: a TERM before would end it.
	ignoring := filepath.Join(t.TempDir(), "ignoring")
	d := start(t, bin, "run", path, "--", "sh", "-c", `trap "" TERM; touch "$0"; exec sleep 3600`, ignoring)
	waitHolding(t, d, path)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, err := os.Stat(ignoring); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon never said it ignores TERM")
		}
	}
	r := pidfileCmd(t, append(append([]string{"stop"}, flags...), path)...)
	if r.code != 0 || !strings.Contains(r.stderr, "after 200ms; sending KILL") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stop: exit %d, stderr %q; want 0 and one line saying it sent KILL after 200ms", r.code, r.stderr)
	}
	if sig := d.Signaled(); sig != syscall.SIGKILL {
		t.Errorf("the daemon ended by %v, want KILL", sig)
	}
}

// On a terminal, stop says each step, and how long the stop took; with -q,
// or without a terminal, nothing.
func TestStopSaysItsStepsOnATerminal(t *testing.T) {
	script := testproc.LookTool(t, "script")
	for _, tc := range []struct {
		flags string
		want  []string
	}{
		{"", []string{"TERM sent to process ", "; waiting up to 10s for it to let go", "stopped in "}},
		{"-q ", nil},
	} {
		path := filepath.Join(t.TempDir(), "d.pid")
		d := startRun(t, path)
		// script(1) gives the command a terminal of its own.
		out, err := exec.Command(script, "-qec", bin+" stop "+tc.flags+path, "/dev/null").CombinedOutput()
		if err != nil {
			t.Fatalf("stop %s(under script): %v, %q", tc.flags, err, out)
		}
		said := strings.ReplaceAll(string(out), "\r", "")
		for _, w := range tc.want {
			if !strings.Contains(said, w) {
				t.Errorf("stop %son a terminal said %q; want %q in it", tc.flags, said, w)
			}
		}
		if tc.want == nil && said != "" {
			t.Errorf("stop %son a terminal said %q; want nothing", tc.flags, said)
		}
		if strings.Contains(said, "TERM sent") && !strings.Contains(said, strconv.Itoa(d.PID())) {
			t.Errorf("stop said %q; want the holder's PID %d", said, d.PID())
		}
	}
	// Without a terminal (as every other test runs it), nothing.
	path := filepath.Join(t.TempDir(), "d.pid")
	startRun(t, path)
	if r := pidfileCmd(t, "stop", path); r.stderr != "" || r.code != 0 {
		t.Errorf("stop without a terminal: exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
	}
}
