package pidfile

import (
	"os"
	"os/exec"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// setRealUID makes uid this process's real user ID alone, on every thread,
// as a set-user-ID program that a user started runs.
func setRealUID(uid string) error {
	n, err := strconv.Atoi(uid)
	if err != nil {
		return err
	}
	return unix.Setresuid(n, -1, -1)
}

// startWithoutLockTable starts the test binary in role in a private mount
// namespace where /proc/locks is empty (a bind mount of /dev/null), as on a
// system that hides it.
func startWithoutLockTable(t *testing.T, role, path string) *helper {
	t.Helper()
	testproc.RequireRoot(t)
	cmd := exec.Command(testproc.LookTool(t, "unshare"), "-m", "sh", "-c",
		`mount --bind /dev/null /proc/locks && exec "$0"`, os.Args[0])
	return startHelperCmd(t, cmd, role, path, "")
}

// waitExitedUnreaped returns once child pid has exited, leaving it for the
// caller to reap.
func waitExitedUnreaped(t *testing.T, pid int) {
	t.Helper()
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
}
