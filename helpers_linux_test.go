package pidfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// withoutKernelTable hides /proc/locks for one test, as on a system without
// one, so that the content rules alone decide.
func withoutKernelTable(t *testing.T) {
	old := procLocksPath
	procLocksPath = filepath.Join(t.TempDir(), "no-locks")
	t.Cleanup(func() { procLocksPath = old })
}

var unixSysProcAttrNobody = syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}

// nobody is the user ID that tests act as when they need another user.
const nobody = 65534

// requireRoot skips a test that must act as other users.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("acting as other users needs root; .ci/run runs as root")
	}
}

// sharedDir returns a new directory that every user can reach, owned by uid
// and with mode perm.
func sharedDir(t *testing.T, uid int, perm os.FileMode) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.Chmod(filepath.Dir(dir), 0o755))
	must(t, os.Chown(dir, uid, uid))
	must(t, os.Chmod(dir, perm))
	return dir
}

// startHelperAs starts the test binary in role as user uid (and its group
// of the same number, no supplementary groups), from a copy that every user
// can run.
func startHelperAs(t *testing.T, uid int, role, path, arg string) *helper {
	t.Helper()
	bin := filepath.Join(sharedDir(t, 0, 0o755), "helper.test")
	copyFile(t, os.Args[0], bin)
	cmd := exec.Command(bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	return startHelperCmd(t, cmd, role, path, arg)
}

// startFlock makes util-linux flock(1) hold path, as user uid through
// setpriv(1) unless uid is 0, and returns once it holds it. flock(1) writes
// nothing into the file; the lock table names it. Its command (cat, which
// does not inherit the lock) ends when the test closes its stdin.
func startFlock(t *testing.T, path string, uid int) *helper {
	t.Helper()
	flock := lookTool(t, "flock")
	args := []string{flock, "-o", path, "sh", "-c", "echo locked; exec cat"}
	if uid != 0 {
		id := strconv.Itoa(uid)
		args = append([]string{lookTool(t, "setpriv"), "--reuid=" + id, "--regid=" + id, "--clear-groups"}, args...)
	}
	h := startHelperCmd(t, exec.Command(args[0], args[1:]...), "", path, "")
	// Let cat end, and flock(1) reap it and exit (its stdout, which both
	// share, then closes), before the helper's own cleanup reaps flock(1),
	// or kills it if it is stuck.
	t.Cleanup(func() {
		h.stdin.Close()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case _, ok := <-h.lines:
				if ok {
					continue
				}
			case <-timeout:
			}
			return
		}
	})
	h.expect("locked")
	return h
}

// lookTool returns the path of a program the test needs, or skips.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed; .ci/run installs it", name)
	}
	return p
}

// startWithoutLockTable starts the test binary in role in a private mount
// namespace where /proc/locks is empty (a bind mount of /dev/null), as on a
// system that hides it.
func startWithoutLockTable(t *testing.T, role, path string) *helper {
	t.Helper()
	requireRoot(t)
	cmd := exec.Command(lookTool(t, "unshare"), "-m", "sh", "-c",
		`mount --bind /dev/null /proc/locks && exec "$0"`, os.Args[0])
	return startHelperCmd(t, cmd, role, path, "")
}
