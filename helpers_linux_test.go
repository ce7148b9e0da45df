package pidfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

var unixSysProcAttrNobody = syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}

// adoptOrphans makes this process the subreaper of its descendants.
func adoptOrphans() {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		panic(err)
	}
}

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
