//go:build unix

package testproc

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// Isolate makes cmd start in a process group of its own, so that it and
// whatever it starts are killed and reaped together.
func Isolate(cmd *exec.Cmd) {
	attr := syscall.SysProcAttr{}
	if cmd.SysProcAttr != nil {
		attr = *cmd.SysProcAttr
	}
	attr.Setpgid = true
	cmd.SysProcAttr = &attr
}

// KillGroup kills cmd's process and what it started; cmd must not be reaped
// yet, so that its process group is still its own.
func KillGroup(cmd *exec.Cmd) { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }

// ReapGroup reaps the processes of group pgid that were orphaned to this
// process (see AdoptOrphans), once they have exited.
func ReapGroup(pgid int) {
	var ws syscall.WaitStatus
	for {
		if _, err := syscall.Wait4(-pgid, &ws, 0, nil); err != nil && err != syscall.EINTR {
			return
		}
	}
}

// RequireRoot skips a test that must act as other users.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("acting as other users needs root; .ci/run runs as root")
	}
}
