package main

import (
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
