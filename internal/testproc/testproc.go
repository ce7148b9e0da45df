// Package testproc is the process plumbing that the tests of the pidfile
// package and of cmd/pidfile share: helper processes in process groups of
// their own, killed and reaped as one; the test binary as the subreaper of
// its descendants; real tools, and other users, to act with. Only tests
// import it.
package testproc

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// LookTool returns the path of a program a test needs, or skips the test:
// .ci/run installs every tool the tests use.
func LookTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed; .ci/run installs it", name)
	}
	return p
}

// AsUser returns what runs a program as user uid (and the group of the same
// number, with no supplementary groups) when put before its argv: setpriv(1),
// which executes the program in its own place; nothing for root.
func AsUser(t testing.TB, uid int) []string {
	t.Helper()
	if uid == 0 {
		return nil
	}
	id := strconv.Itoa(uid)
	return []string{LookTool(t, "setpriv"), "--reuid=" + id, "--regid=" + id, "--clear-groups"}
}

// PlantPID writes pid into path as a decoy's content, in a file of user
// uid with permission bits perm: what a user who may write a pidfile could
// put there.
func PlantPID(t testing.TB, path string, pid, uid int, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}
