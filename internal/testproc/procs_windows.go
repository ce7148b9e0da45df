package testproc

import (
	"os/exec"
	"testing"
)

// Isolate does nothing: no helper starts a process of its own on Windows.
func Isolate(*exec.Cmd) {}

// KillGroup kills the helper, which started nothing of its own.
func KillGroup(c *exec.Cmd) { c.Process.Kill() }

// ReapGroup has no orphans to reap.
func ReapGroup(int) {}

// RequireRoot skips: the tests that act as other users are Unix's.
func RequireRoot(t testing.TB) {
	t.Helper()
	t.Skip("acting as other users is tested on Unix")
}
