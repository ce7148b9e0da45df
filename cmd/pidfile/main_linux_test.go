package main

// Interoperability with tools nobody here wrote: util-linux flock(1) and
// Debian's start-stop-daemon. .ci/run installs both.

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed; .ci/run installs it", name)
	}
	return p
}

func exitCode(t *testing.T, name string, args ...string) int {
	t.Helper()
	err := exec.Command(name, args...).Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("%s %v: %v", name, args, err)
	return -1
}

func TestFlockUtilityRespectsRun(t *testing.T) {
	flock := lookTool(t, "flock")
	path := filepath.Join(t.TempDir(), "d.pid")
	d := startRun(t, path)
	if code := exitCode(t, flock, "-n", path, "true"); code != 1 {
		t.Errorf("flock -n while pidfile run holds: exit %d, want 1", code)
	}
	d.stop(t)
	if code := exitCode(t, flock, "-n", path, "true"); code != 0 {
		t.Errorf("flock -n after the holder exited: exit %d, want 0", code)
	}
}

func TestStatusSeesFlockHolder(t *testing.T) {
	flock := lookTool(t, "flock")
	path := filepath.Join(t.TempDir(), "d.pid")
	f := start(t, flock, path, "cat") // writes no PID
	want := strconv.Itoa(f.pid()) + "\n"
	for deadline := time.Now().Add(60 * time.Second); ; {
		r := pidfileCmd(t, "status", path)
		if r.code == 0 {
			if r.stdout != want {
				t.Errorf("status printed %q, want flock's PID %q", r.stdout, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never saw flock holding %s: exit %d %q", path, r.code, r.stderr)
		}
	}
	if r := pidfileCmd(t, "run", path, "--", "true"); r.code != 1 {
		t.Errorf("run while flock holds: exit %d, want 1", r.code)
	}
}

func TestStartStopDaemonAgrees(t *testing.T) {
	ssd := lookTool(t, "start-stop-daemon")
	path := filepath.Join(t.TempDir(), "d.pid")
	agree := func(when string, want int) {
		t.Helper()
		ours := pidfileCmd(t, "status", path).code
		theirs := exitCode(t, ssd, "--status", "--pidfile", path)
		if ours != want || theirs != want {
			t.Errorf("%s: pidfile status %d, start-stop-daemon --status %d; want both %d", when, ours, theirs, want)
		}
	}
	agree("no pidfile", 3)
	d := startRun(t, path)
	agree("running", 0)
	if code := exitCode(t, ssd, "--stop", "--pidfile", path); code != 0 {
		t.Errorf("start-stop-daemon --stop: exit %d, want 0", code)
	}
	if sig := d.signalled(t); sig != syscall.SIGTERM {
		t.Errorf("start-stop-daemon --stop ended the daemon by %v, want TERM", sig)
	}
	agree("stopped", 1)
}
