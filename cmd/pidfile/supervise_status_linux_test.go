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

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// status -json names the supervisor's current CMD as "child", and no child
// that a file beside a pidfile claims but the kernel does not confirm.
func TestSuperviseStatusChild(t *testing.T) {
	dir := t.TempDir()
	path, pids := filepath.Join(dir, "d.pid"), filepath.Join(dir, "pids")
	mark := marker()
	sup := supervised(t, path, mark, []string{"-restart", "always", "-restart-delay", "10ms"},
		"sh", "-c", `echo $$ >> "$1"; exec sleep 3600`, mark, pids)
	first := pidsIn(t, pids, 1)[0]
	source := "content" // the portable build has no lock table
	if lockTable {
		source = "kernel"
	}
	r := pidfileCmd(t, "status", "-json", path)
	var got state
	must(t, json.Unmarshal([]byte(r.stdout), &got))
	if want := (state{Path: path, State: "running", PID: sup.pid, Source: source, Child: first}); got.Service == nil ||
		got.Service.State != "running" || got.Service.PID != first || time.Since(got.Service.Since) > time.Minute {
		t.Errorf("status -json: %s; want %+v, and the service running as %d", r.stdout, want, first)
	} else if got.Service = nil; got != want {
		t.Errorf("status -json: %s; want %+v", r.stdout, want)
	}
	syscall.Kill(first, syscall.SIGKILL)
	second := pidsIn(t, pids, 2)[1]
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		r := pidfileCmd(t, "status", "-json", path)
		if strings.Contains(r.stdout, fmt.Sprintf(`"child":%d,`, second)) && strings.Contains(r.stdout, `"restarts":1,`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status -json: %s; want child %d after the restart", r.stdout, second)
		}
	}

	// A plain holder, with a child file that names a live process that
	// leads its own group but is not its child.
	other := filepath.Join(dir, "o.pid")
	holder := startRun(t, other)
	stranger := start(t, "sleep", "3600")
	must(t, os.WriteFile(other+".child", []byte(strconv.Itoa(stranger.PID())+"\n"), 0o644))
	want := fmt.Sprintf(`{"path":%q,"state":"running","pid":%d,"source":%q}`+"\n", other, holder.PID(), source)
	if r := pidfileCmd(t, "status", "-json", other); r.stdout != want {
		t.Errorf("a forged child file: status -json %s; want %s", r.stdout, want)
	}
}

// A child file that another user wrote, or could have, is not believed,
// even when it names the supervisor's true child: whoever may write it could
// name another.
func TestSuperviseChildFileOfAnotherUser(t *testing.T) {
	testproc.RequireRoot(t)
	dir := t.TempDir()
	path, pids := filepath.Join(dir, "d.pid"), filepath.Join(dir, "pids")
	mark := marker()
	supervised(t, path, mark, nil, "sh", "-c", `echo $$ > "$1"; exec sleep 3600 "$0"`, mark, pids)
	child := pidsIn(t, pids, 1)[0]
	named := fmt.Sprintf(`"child":%d`, child)
	if r := pidfileCmd(t, "status", "-json", path); !strings.Contains(r.stdout, named) {
		t.Fatalf("status -json: %s; want %s", r.stdout, named)
	}
	forged := filepath.Join(dir, "forged")
	must(t, os.WriteFile(forged, []byte(strconv.Itoa(child)+"\n"), 0o644))
	must(t, os.Chown(forged, 65534, 65534))
	must(t, os.Rename(forged, path+".child"))
	if r := pidfileCmd(t, "status", "-json", path); strings.Contains(r.stdout, `"child"`) {
		t.Errorf("status -json: %s; want no child from a file owned by user 65534", r.stdout)
	}
	// The pidfile's owner's, but writable by others.
	must(t, os.WriteFile(forged, []byte(strconv.Itoa(child)+"\n"), 0o644))
	must(t, os.Chmod(forged, 0o666))
	must(t, os.Rename(forged, path+".child"))
	if r := pidfileCmd(t, "status", "-json", path); strings.Contains(r.stdout, `"child"`) {
		t.Errorf("status -json: %s; want no child from a file that others may write", r.stdout)
	}
}

// A detached supervisor shows as pidfile (ps -C pidfile, pgrep pidfile
// find it), and its command line says what it supervises.
func TestDetachedSupervisorShowsAsPidfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	mark := marker()
	sup := supervised(t, path, mark, nil, "sleep", mark)
	if b := mustRead(t, fmt.Sprintf("/proc/%d/comm", sup.pid)); string(b) != "pidfile\n" {
		t.Errorf("the supervisor's name is %q, want pidfile", b)
	}
	b := mustRead(t, fmt.Sprintf("/proc/%d/cmdline", sup.pid))
	if args := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"); args[0] != "pidfile" || args[len(args)-2] != "sleep" || args[len(args)-1] != mark {
		t.Errorf("the supervisor's command line is %q; want pidfile ... sleep %s", args, mark)
	}
	out, err := exec.Command(testproc.LookTool(t, "pgrep"), "-x", "pidfile").Output()
	if err != nil || !strings.Contains("\n"+string(out), "\n"+strconv.Itoa(sup.pid)+"\n") {
		t.Errorf("pgrep -x pidfile found %q, not the supervisor %d", out, sup.pid)
	}
}

// status tells a crash-looping service from a running one: the supervisor
// runs, CMD does not (it was killed, and restarts in an hour); status says
// when CMD starts again and how the last ended, exits 150, and -json says so
// under "service".
func TestStatusOfACrashLoop(t *testing.T) {
	dir := t.TempDir()
	path, runs := filepath.Join(dir, "d.pid"), filepath.Join(dir, "runs")
	mark := marker()
	sup := supervised(t, path, mark, []string{"-restart", "always", "-restart-delay", "1h"},
		"sh", "-c", `echo $$ >> "$1"; exec sleep 3600 "$0"`, mark, runs)
	syscall.Kill(pidsIn(t, runs, 1)[0], syscall.SIGKILL)
	var r result
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Millisecond) {
		if r = pidfileCmd(t, "status", path); r.code == exitServiceDown {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status: exit %d, %q; want %d while CMD waits to restart", r.code, r.stdout, exitServiceDown)
		}
	}
	want := fmt.Sprintf("%d\npidfile status: %s: supervisor %d runs; CMD is restarting in ", sup.pid, path, sup.pid)
	if !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "the last CMD was killed by signal KILL; 1 restarts in a row") {
		t.Errorf("status said %q; want %q, when and how the last CMD ended", r.stdout, want)
	}
	r = pidfileCmd(t, "status", "-json", path)
	var got state
	must(t, json.Unmarshal([]byte(r.stdout), &got))
	if got.State != "running" || got.PID != sup.pid || got.Child != 0 || got.Service == nil || got.Service.State != "restarting" ||
		got.Service.LastExit != "CMD was killed by signal KILL" || got.Service.Restarts != 1 || time.Until(got.Service.NextStart) < 59*time.Minute {
		t.Errorf("status -json: %s; want the supervisor running, the service restarting in an hour", r.stdout)
	}
	if r.code != exitServiceDown {
		t.Errorf("status -json: exit %d, want %d", r.code, exitServiceDown)
	}
}
