//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// commandBinary copies the test binary, which is the command under test,
// into a directory that other users can reach (as root, tests act as
// nobody), and returns the copy and what removes it.
func commandBinary() (string, func(), error) {
	dir, err := os.MkdirTemp("", "pidfile-cmd")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	b, err := os.ReadFile(os.Args[0])
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	bin := filepath.Join(dir, "pidfile")
	if err == nil {
		err = os.WriteFile(bin, b, 0o755)
	}
	if err != nil {
		cleanup()
		return "", nil, err
	}
	return bin, cleanup, nil
}

// start starts name with args; the process is killed and reaped when the
// test ends.
func start(t *testing.T, name string, args ...string) *daemon {
	t.Helper()
	return startCmd(t, exec.Command(name, args...))
}

// waitHolding waits until `pidfile pid PATH` names this process. The
// deadline turns a daemon that never gets there into a failure, not a hang.
func waitHolding(t *testing.T, d *daemon, path string) {
	t.Helper()
	want := strconv.Itoa(d.PID()) + "\n"
	for deadline := time.Now().Add(60 * time.Second); ; {
		if r := pidfileCmd(t, "pid", path); r.stdout == want {
			return
		}
		select {
		case <-d.Done():
			t.Fatalf("%v exited before it held %s", d.Cmd.Args, path)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v never held %s", d.Cmd.Args, path)
		}
	}
}

// startRun starts `pidfile run ARGS... PATH -- cat` and waits until the
// pidfile names it.
func startRun(t *testing.T, path string, flags ...string) *daemon {
	t.Helper()
	d := start(t, bin, append(append([]string{"run"}, flags...), path, "--", "cat")...)
	waitHolding(t, d, path)
	return d
}

func TestRunTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	first := startRun(t, path)
	content, err := os.ReadFile(path)
	if err != nil || string(content) != strconv.Itoa(first.PID())+"\n" {
		t.Errorf("pidfile holds %q, %v; want the PID of the command run in place, %d", content, err, first.PID())
	}
	r := pidfileCmd(t, "run", path, "--", "true")
	if r.code != 1 || !strings.Contains(r.stderr, strconv.Itoa(first.PID())) {
		t.Errorf("second run: exit %d, stderr %q; want 1 naming %d", r.code, r.stderr, first.PID())
	}
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("second run said more than one line: %q", r.stderr)
	}
}

func TestStatusExitCodes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	if r := pidfileCmd(t, "status", path); r.code != 3 {
		t.Errorf("no file: exit %d, want 3", r.code)
	}
	d := startRun(t, path)
	if r := pidfileCmd(t, "status", path); r.code != 0 || r.stdout != strconv.Itoa(d.PID())+"\n" {
		t.Errorf("running: exit %d, stdout %q; want 0 and %d", r.code, r.stdout, d.PID())
	}
	d.Stop()
	if r := pidfileCmd(t, "status", path); r.code != 1 {
		t.Errorf("stopped: exit %d, want 1", r.code)
	}
	link := filepath.Join(dir, "link.pid")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if r := pidfileCmd(t, "status", link); r.code != 4 || !strings.Contains(r.stderr, "symbolic link") {
		t.Errorf("symlink: exit %d, stderr %q; want 4 and the reason", r.code, r.stderr)
	}
	if r := pidfileCmd(t, "status"); r.code != 4 {
		t.Errorf("no PATH: exit %d, want 4", r.code)
	}
}

func TestPID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	if r := pidfileCmd(t, "pid", path); r.code != 1 || r.stdout != "" {
		t.Errorf("no file: exit %d, stdout %q; want 1 and nothing", r.code, r.stdout)
	}
	if err := os.WriteFile(path, []byte("garbage\x00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := pidfileCmd(t, "pid", path); r.code != 1 || r.stdout != "" {
		t.Errorf("garbage, not held: exit %d, stdout %q; want 1 and nothing", r.code, r.stdout)
	}
	d := startRun(t, path)
	if r := pidfileCmd(t, "pid", path); r.code != 0 || r.stdout != strconv.Itoa(d.PID())+"\n" {
		t.Errorf("running: exit %d, stdout %q; want 0 and %d", r.code, r.stdout, d.PID())
	}
}

func TestJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	check := func(sub string, want state, code int) {
		t.Helper()
		r := pidfileCmd(t, sub, "-json", path)
		var got state
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got != want || r.code != code {
			t.Errorf("%s -json: %q (exit %d), want %+v (exit %d)", sub, r.stdout, r.code, want, code)
		}
	}
	check("status", state{Path: path, State: "no-file"}, 3)
	d := startRun(t, path)
	// The PID comes from the kernel's lock table where there is one.
	source := "content"
	if lockTable {
		source = "kernel"
	}
	check("status", state{Path: path, State: "running", PID: d.PID(), Source: source}, 0)
	check("pid", state{Path: path, State: "running", PID: d.PID(), Source: source}, 0)
	d.Stop()
	check("pid", state{Path: path, State: "not-running"}, 1)
}

func TestKillThenWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	d := startRun(t, path)
	if r := pidfileCmd(t, "kill", path); r.code != 0 {
		t.Fatalf("kill: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := pidfileCmd(t, "wait", "-timeout", "60s", path); r.code != 0 {
		t.Errorf("wait: exit %d, stderr %q", r.code, r.stderr)
	}
	if sig := d.Signaled(); sig != syscall.SIGTERM {
		t.Errorf("the daemon ended by signal %v, want TERM", sig)
	}
	if r := pidfileCmd(t, "kill", path); r.code != 1 || !strings.Contains(r.stderr, "not running") {
		t.Errorf("kill with nobody running: exit %d, stderr %q; want 1", r.code, r.stderr)
	}
}

func TestKillSignalNames(t *testing.T) {
	for _, name := range []string{"HUP", "SIGHUP", "sighup", "1"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			d := startRun(t, path)
			if r := pidfileCmd(t, "kill", "-s", name, path); r.code != 0 {
				t.Fatalf("kill -s %s: exit %d, stderr %q", name, r.code, r.stderr)
			}
			if sig := d.Signaled(); sig != syscall.SIGHUP {
				t.Errorf("kill -s %s ended the daemon by %v, want HUP", name, sig)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "d.pid")
	d := startRun(t, path)
	if r := pidfileCmd(t, "kill", "-s", "NOSUCH", path); r.code != 2 {
		t.Errorf("unknown signal: exit %d, want 2", r.code)
	}
	if r := pidfileCmd(t, "kill", "-s", "0", path); r.code != 0 {
		t.Errorf("kill -s 0 (a check): exit %d, stderr %q", r.code, r.stderr)
	}
	select {
	case <-d.Done():
		t.Error("a bad or zero signal ended the daemon")
	default:
	}
}

func TestWaitTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	startRun(t, path)
	if r := pidfileCmd(t, "wait", "-timeout", "100ms", path); r.code != 1 {
		t.Errorf("wait while held: exit %d, want 1", r.code)
	}
}

func TestRunWaitsForHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	old := startRun(t, path)
	if r := pidfileCmd(t, "run", "-wait", "100ms", path, "--", "true"); r.code != 1 {
		t.Errorf("run -wait 100ms while held: exit %d, want 1", r.code)
	}
	next := start(t, bin, "run", "-wait", "60s", path, "--", "cat")
	if l := next.Line(); !strings.Contains(l, "waiting") || !strings.Contains(l, strconv.Itoa(old.PID())) {
		t.Errorf("run -wait said %q, want that it waits for %d", l, old.PID())
	}
	old.Stop()
	waitHolding(t, next, path)
}

func TestRunMissingCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := pidfileCmd(t, "run", path, "--", "no-such-command-anywhere")
	if r.code != 127 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("missing command: exit %d, stderr %q; want 127", r.code, r.stderr)
	}
	notExec := filepath.Join(dir, "script")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := pidfileCmd(t, "run", path, "--", notExec); r.code != 126 {
		t.Errorf("not executable: exit %d, stderr %q; want 126", r.code, r.stderr)
	}
	if r := pidfileCmd(t, "status", path); r.code != 1 {
		t.Errorf("after the failed runs: status exit %d, want 1 (not held)", r.code)
	}
}

// -mode is the mode of a file that run creates, less the umask; a mode that
// lets others write is a usage error, and nothing is created.
func TestRunMode(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []string{"0600", "0640"} {
		path := filepath.Join(dir, mode+".pid")
		if r := pidfileCmd(t, "run", "-mode", mode, path, "--", "true"); r.code != 0 {
			t.Fatalf("run -mode %s: exit %d, stderr %q", mode, r.code, r.stderr)
		}
		if fi, err := os.Stat(path); err != nil || fmt.Sprintf("%04o", fi.Mode().Perm()) != mode {
			t.Errorf("run -mode %s made %v, %v", mode, fi.Mode(), err)
		}
	}
	// Modes others could write, and modes the owner could not reopen to
	// claim the file again.
	for _, mode := range []string{"0664", "0666", "0755", "rw", "0", "0400", "0444", "0200", "0440", "0044"} {
		path := filepath.Join(dir, "bad.pid")
		if r := pidfileCmd(t, "run", "-mode", mode, path, "--", "true"); r.code != 2 {
			t.Errorf("run -mode %s: exit %d, want 2", mode, r.code)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("run -mode %s created the file", mode)
		}
	}
}

// A daemon that claims its pidfile with the library, run by pidfile run on
// the same path, adopts the lock run took for it (PIDFILE_FD), rather than
// finding it held by an unknown process.
func TestRunCMDAdoptsTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	d := start(t, bin, "run", "-env", roleEnv+"=adopt", "-env", pathEnv+"="+path, path, "--", os.Args[0])
	if l, want := d.Line(), fmt.Sprintf("claimed %d verify=<nil>", d.PID()); l != want {
		t.Fatalf("the daemon said %q, want %q", l, want)
	}
	if r := pidfileCmd(t, "status", path); r.code != 0 || r.stdout != strconv.Itoa(d.PID())+"\n" {
		t.Errorf("status: exit %d, %q; want the daemon %d", r.code, r.stdout, d.PID())
	}
	d.Stop()
	if r := pidfileCmd(t, "status", path); r.code != 1 {
		t.Errorf("status after the daemon exited: exit %d, want 1", r.code)
	}
}
