package main

// The command on Windows, end to end: status, pid, kill, wait and stop
// against a holder that claims through the library (run is refused here).
// As everywhere, the test binary is the command itself (asCommandEnv).

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-pidfile/pidfile"
)

// commandBinary is the test binary itself: no other user runs it here.
func commandBinary() (string, func(), error) { return os.Args[0], func() {}, nil }

// runRole plays "hold": claim path, say "ready PID" on stderr, and hold it
// until stdin closes.
func runRole(role, path, _ string) int {
	if role != "hold" {
		fmt.Fprintf(os.Stderr, "unknown role %q\n", role)
		return 2
	}
	g, err := pidfile.Claim(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error", err)
		return 1
	}
	defer g.Close()
	fmt.Fprintf(os.Stderr, "ready %d\n", os.Getpid())
	bufio.NewReader(os.Stdin).ReadString(0)
	return 0
}

// startHolder starts a process that holds path through the library.
func startHolder(t *testing.T, path string) *daemon {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), roleEnv+"=hold", pathEnv+"="+path, asCommandEnv+"=")
	d := startCmd(t, cmd)
	if l := d.Line(); l != fmt.Sprintf("ready %d", d.PID()) {
		t.Fatalf("holder said %q", l)
	}
	return d
}

// exited waits for d to end and reports whether it was terminated (exit
// status 1, as TerminateProcess sets it) rather than ending by itself.
func terminated(t *testing.T, d *daemon) bool {
	t.Helper()
	return d.Wait().ExitCode() == 1
}

func TestStatusAndPIDOnWindows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	if r := pidfileCmd(t, "status", path); r.code != 3 {
		t.Errorf("no file: exit %d, stderr %q; want 3", r.code, r.stderr)
	}
	h := startHolder(t, path)
	want := strconv.Itoa(h.PID()) + "\n"
	for _, sub := range []string{"status", "pid"} {
		if r := pidfileCmd(t, sub, path); r.code != 0 || r.stdout != want {
			t.Errorf("%s: exit %d, stdout %q; want 0 and %q", sub, r.code, r.stdout, want)
		}
	}
	if r := pidfileCmd(t, "pid", "-json", path); !strings.Contains(r.stdout, `"source":"content"`) {
		t.Errorf("pid -json: %q; want the PID from the content (Windows has no lock table)", r.stdout)
	}
	h.Stop()
	if r := pidfileCmd(t, "status", path); r.code != 1 {
		t.Errorf("after the holder ended: exit %d, want 1", r.code)
	}
	if r := pidfileCmd(t, "status", filepath.Dir(path)); r.code != 4 || !strings.Contains(r.stderr, "directory") {
		t.Errorf("a directory: exit %d, stderr %q; want 4 and the reason", r.code, r.stderr)
	}
}

// kill terminates the holder, whether asked for TERM or KILL: Windows has
// no polite signal. wait returns once it is gone.
func TestKillAndWaitOnWindows(t *testing.T) {
	for _, sig := range []string{"TERM", "KILL", "9", "15"} {
		t.Run(sig, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			h := startHolder(t, path)
			if r := pidfileCmd(t, "kill", "-s", "0", path); r.code != 0 || h.Exited() {
				t.Fatalf("kill -s 0: exit %d, stderr %q; want 0 and the holder untouched", r.code, r.stderr)
			}
			if r := pidfileCmd(t, "kill", "-s", sig, path); r.code != 0 {
				t.Fatalf("kill -s %s: exit %d, stderr %q", sig, r.code, r.stderr)
			}
			if r := pidfileCmd(t, "wait", "-timeout", "60s", path); r.code != 0 {
				t.Errorf("wait: exit %d, stderr %q", r.code, r.stderr)
			}
			if !terminated(t, h) {
				t.Errorf("the holder exited with %d, want terminated (1)", h.Cmd.ProcessState.ExitCode())
			}
			if r := pidfileCmd(t, "kill", path); r.code != 1 {
				t.Errorf("kill with nobody running: exit %d, want 1", r.code)
			}
		})
	}
	if r := pidfileCmd(t, "kill", "-s", "HUP", "x.pid"); r.code != 2 {
		t.Errorf("kill -s HUP: exit %d, want 2 (no such signal here)", r.code)
	}
}

func TestStopOnWindows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	if r := pidfileCmd(t, "stop", path); r.code != 0 {
		t.Errorf("stop without a file: exit %d, stderr %q", r.code, r.stderr)
	}
	h := startHolder(t, path)
	if r := pidfileCmd(t, "stop", path); r.code != 0 || r.stderr != "" {
		t.Errorf("stop: exit %d, stderr %q", r.code, r.stderr)
	}
	if !terminated(t, h) {
		t.Error("the holder was not terminated")
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the pidfile is gone: %v", err)
	}
}

// run needs exec in place, which Windows lacks: it refuses in one line, and
// claims nothing.
func TestRunRefusedOnWindows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	r := pidfileCmd(t, "run", path, "--", "cmd", "/c", "exit")
	if r.code != 4 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "not supported") {
		t.Errorf("run: exit %d, stderr %q; want 4 and one line", r.code, r.stderr)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("run created the pidfile")
	}
}
