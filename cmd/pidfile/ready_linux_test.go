package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

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

// On a terminal, run -detach says once that it waits for readiness, when
// that takes more than a second (here a CMD that takes two); without a
// terminal it says nothing (TestRunDetachReadyFD).
func TestRunDetachSaysItWaitsForReadiness(t *testing.T) {
	script := testproc.LookTool(t, "script")
	path := filepath.Join(t.TempDir(), "d.pid")
	stopAtEnd(t, path)
	cmd := fmt.Sprintf(`%s run -detach -ready fd:3 %s -- sh -c 'sleep 2; echo >&3; exec sleep 3600'`, bin, path)
	out, err := exec.Command(script, "-qec", cmd, "/dev/null").CombinedOutput()
	if err != nil {
		t.Fatalf("run -detach under script: %v, %q", err, out)
	}
	if n := strings.Count(string(out), "pidfile run: waiting up to 1m0s for sh (process "); n != 1 {
		t.Errorf("run -detach on a terminal said %q; want one line that it waits", out)
	}
	pidfileCmd(t, "stop", path)
}
