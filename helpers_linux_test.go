package pidfile

import (
	"os"
	"os/exec"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// adoptOrphans makes this process the subreaper of its descendants.
func adoptOrphans() {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		panic(err)
	}
}

// setRealUID makes uid this process's real user ID alone, on every thread,
// as a set-user-ID program that a user started runs.
func setRealUID(uid string) error {
	n, err := strconv.Atoi(uid)
	if err != nil {
		return err
	}
	return unix.Setresuid(n, -1, -1)
}

// requireRoot skips a test that must act as other users.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("acting as other users needs root; .ci/run runs as root")
	}
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
