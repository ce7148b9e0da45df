package main

// Interoperability with tools nobody here wrote: util-linux flock(1) and
// Debian's start-stop-daemon. .ci/run installs both.

import (
	"encoding/json"
	"errors"
	"fmt"
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
	flock := testproc.LookTool(t, "flock")
	path := filepath.Join(t.TempDir(), "d.pid")
	d := startRun(t, path)
	if code := exitCode(t, flock, "-n", path, "true"); code != 1 {
		t.Errorf("flock -n while pidfile run holds: exit %d, want 1", code)
	}
	d.Stop()
	if code := exitCode(t, flock, "-n", path, "true"); code != 0 {
		t.Errorf("flock -n after the holder exited: exit %d, want 0", code)
	}
}

func TestStatusSeesFlockHolder(t *testing.T) {
	requireLockTable(t)
	flock := testproc.LookTool(t, "flock")
	path := filepath.Join(t.TempDir(), "d.pid")
	f := start(t, flock, path, "cat") // writes no PID
	want := strconv.Itoa(f.PID()) + "\n"
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
	ssd := testproc.LookTool(t, "start-stop-daemon")
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
	if sig := d.Signaled(); sig != syscall.SIGTERM {
		t.Errorf("start-stop-daemon --stop ended the daemon by %v, want TERM", sig)
	}
	agree("stopped", 1)
}

// startFlock makes flock(1) hold path, as user uid through setpriv(1) unless
// uid is 0, and returns once it holds it. flock(1) writes nothing into the
// file.
func startFlock(t *testing.T, path string, uid int) *daemon {
	t.Helper()
	return testproc.StartFlock(t, path, uid)
}

// decoyFile writes the PID of a live decoy (root's cat, which holds nothing)
// into path, owned by uid with mode perm.
func decoyFile(t *testing.T, path string, uid int, perm os.FileMode) *daemon {
	t.Helper()
	decoy := start(t, "cat")
	testproc.PlantPID(t, path, decoy.PID(), uid, perm)
	return decoy
}

// pid, status and status -json name the holder, never the decoy that the
// content names, when another user could have written the content.
func TestDecoyIsNeverPrinted(t *testing.T) {
	testproc.RequireRoot(t)
	for _, tc := range []struct {
		name string
		uid  int
		perm os.FileMode
	}{
		{"another user's file", 65534, 0o644},
		{"root's 0666 file", 0, 0o666},
		{"root's 0664 file", 0, 0o664},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "d.pid")
			decoy := decoyFile(t, path, tc.uid, tc.perm)
			holder := startFlock(t, path, tc.uid)
			if !lockTable {
				// Nobody can name the holder; nobody is named or hit.
				for _, args := range [][]string{{"pid", path}, {"kill", path}, {"stop", path}} {
					if r := pidfileCmd(t, args...); r.code != 4 || r.stdout != "" || !strings.Contains(r.stderr, "not believed") {
						t.Errorf("%v: exit %d, stdout %q, stderr %q; want 4 and nothing printed", args, r.code, r.stdout, r.stderr)
					}
				}
				// status: running (LSB 0), with the reason and no PID.
				r := pidfileCmd(t, "status", path)
				if r.code != 0 || strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stdout, "running; its PID cannot be told") ||
					!strings.Contains(r.stdout, "not believed") {
					t.Errorf("status: exit %d, stdout %q, stderr %q; want 0 and one line saying it runs, without a PID", r.code, r.stdout, r.stderr)
				}
				r = pidfileCmd(t, "status", "-json", path)
				var got state
				if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 || got.State != "running" || got.PID != 0 || got.Error == "" {
					t.Errorf("status -json: exit %d, %q; want running, no pid, the reason", r.code, r.stdout)
				}
				select {
				case <-decoy.Done():
					t.Error("the decoy was signalled")
				case <-holder.Done():
					t.Error("the holder was signalled, with nothing to name it")
				default:
				}
				return
			}
			want := strconv.Itoa(holder.PID()) + "\n"
			for _, sub := range []string{"pid", "status"} {
				if r := pidfileCmd(t, sub, path); r.code != 0 || r.stdout != want {
					t.Errorf("%s: exit %d, stdout %q; want 0 and flock's PID %q (the decoy is %d)", sub, r.code, r.stdout, want, decoy.PID())
				}
			}
			r := pidfileCmd(t, "status", "-json", path)
			var got state
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil ||
				got != (state{Path: path, State: "running", PID: holder.PID(), Source: "kernel"}) {
				t.Errorf("status -json: %q, want flock's PID %d from the kernel", r.stdout, holder.PID())
			}
			if r := pidfileCmd(t, "kill", path); r.code != 0 {
				t.Errorf("kill: exit %d, stderr %q", r.code, r.stderr)
			}
			holderTermedDecoyNot(t, holder, decoy)
		})
	}
}

// A live process that took the lock, handed its descriptor to a child and
// closed its own: the lock table still names it, yet it holds nothing. The
// command must neither print nor signal it.
func TestHandedOffLockIsNotNamed(t *testing.T) {
	requireLockTable(t)
	for _, write := range []bool{false, true} {
		t.Run(fmt.Sprint("writes its PID=", write), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "d.pid")
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			h := startRole(t, "handoff", path, fmt.Sprint(write))
			var parent, child int
			if _, err := fmt.Sscanf(h.Line(), "ready %d %d", &parent, &child); err != nil || parent != h.PID() {
				t.Fatalf("helper: %v", err)
			}
			if r := pidfileCmd(t, "pid", path); r.code != 4 || r.stdout != "" || !strings.Contains(r.stderr, "exited or let go") {
				t.Errorf("pid: exit %d, stdout %q, stderr %q; want 4, nothing printed, and why", r.code, r.stdout, r.stderr)
			}
			// It is held: status says running, why no PID, and none.
			r := pidfileCmd(t, "status", path)
			if r.code != 0 || strings.ContainsAny(strings.TrimPrefix(r.stdout, "pidfile status: "+path), "0123456789") ||
				!strings.Contains(r.stdout, "running; its PID cannot be told") || !strings.Contains(r.stdout, "exited or let go") {
				t.Errorf("status: exit %d, stdout %q, stderr %q; want 0, running, no PID, and why", r.code, r.stdout, r.stderr)
			}
			if r := pidfileCmd(t, "kill", path); r.code == 0 {
				t.Errorf("kill: exit 0, so it signalled someone")
			}
			select {
			case <-h.Done():
				t.Error("the process that let go of the lock was signalled")
			default:
			}
		})
	}
}

// startRole starts this test binary in a helper role (helpers_unix_test.go).
func startRole(t *testing.T, role, path, arg string) *daemon {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), roleEnv+"="+role, pathEnv+"="+path, argEnv+"="+arg)
	return startCmd(t, cmd)
}

// holderTermedDecoyNot asserts that flock(1), the holder, ended by TERM, and
// that the decoy that the content names is untouched.
func holderTermedDecoyNot(t *testing.T, holder, decoy *daemon) {
	t.Helper()
	holder.CloseStdin() // flock(1)'s cat, which shares its pipes, ends too
	if sig := holder.Signaled(); sig != syscall.SIGTERM {
		t.Errorf("flock(1) ended by %v, want TERM", sig)
	}
	select {
	case <-decoy.Done():
		t.Error("the decoy was signalled")
	default:
	}
}

// A flag after PATH is refused as such, not run as CMD or taken for a
// second PATH; after "--" it is CMD's.
func TestFlagsGoBeforePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	mark := marker()
	for _, args := range [][]string{
		{"run", path, "-detach", "--", "sleep", mark},
		{"run", path, "--detach=true", "--", "sleep", mark},
		{"status", path, "-json"},
		{"stop", path, "-timeout", "1"},
	} {
		r := pidfileCmd(t, args...)
		if r.code == 0 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "flags go before PATH") {
			t.Errorf("%q: exit %d, stderr %q; want a usage error saying flags go before PATH", args, r.code, r.stderr)
		}
	}
	checkNothingLeft(t, mark, path)
	if r := pidfileCmd(t, "run", path, "--", "sh", "-c", "echo $0", "-detach"); r.code != 0 || r.stdout != "-detach\n" {
		t.Errorf("run PATH -- sh -c 'echo $0' -detach: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// Durations take a bare number of seconds, as start-stop-daemon's do.
func TestDurationsInSeconds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	startRun(t, path)
	if r := pidfileCmd(t, "wait", "-timeout", "0.2", path); r.code != 1 || !strings.Contains(r.stderr, "still held after 200ms") {
		t.Errorf("wait -timeout 0.2: exit %d, stderr %q; want 1 after 200ms", r.code, r.stderr)
	}
	if r := pidfileCmd(t, "stop", "-timeout", "10", path); r.code != 0 {
		t.Errorf("stop -timeout 10: exit %d, stderr %q", r.code, r.stderr)
	}
}
