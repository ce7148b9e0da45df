package main

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// becomeReaper makes this process the child subreaper of its descendants:
// an orphan of CMD's tree is given to it, not to init, and reaped.
func becomeReaper() error {
	return os.NewSyscallError("prctl PR_SET_CHILD_SUBREAPER", unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
}

// keepDeathSignal makes KILL this process's parent-death signal on the
// calling thread, which stays locked to it for the exec that follows (the
// signal is the thread's, and exec keeps it), and fails if the parent is no
// longer supervisor: it may have died before the signal was set.
func keepDeathSignal(supervisor int) error {
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return os.NewSyscallError("prctl PR_SET_PDEATHSIG", err)
	}
	if ppid := os.Getppid(); ppid != supervisor {
		return fmt.Errorf("pidfile run: the supervisor (process %d) is gone", supervisor)
	}
	return nil
}
