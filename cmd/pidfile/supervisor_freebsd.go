package main

import (
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// procctl(2)'s arguments, which x/sys does not define.
const (
	pPID             = 0  // P_PID
	procReapAcquire  = 2  // PROC_REAP_ACQUIRE
	procPdeathsigCtl = 11 // PROC_PDEATHSIG_CTL
)

// procctl calls procctl(2) on this process (P_PID, its PID). id_t is 64
// bits: on 386 and arm it takes two argument words, low first.
func procctl(cmd int, data unsafe.Pointer) error {
	var errno unix.Errno
	pid := uintptr(os.Getpid())
	switch runtime.GOARCH {
	case "386", "arm":
		_, _, errno = unix.Syscall6(unix.SYS_PROCCTL, pPID, pid, 0, uintptr(cmd), uintptr(data), 0)
	default:
		_, _, errno = unix.Syscall6(unix.SYS_PROCCTL, pPID, pid, uintptr(cmd), uintptr(data), 0, 0)
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// becomeReaper makes this process the reaper of its descendants: an orphan
// of CMD's tree is given to it, not to init, and reaped.
func becomeReaper() error {
	return os.NewSyscallError("procctl PROC_REAP_ACQUIRE", procctl(procReapAcquire, nil))
}

// keepDeathSignal makes KILL this process's parent-death signal, which a
// change of user clears, and fails if the parent is no longer supervisor:
// it may have died before the signal was set.
func keepDeathSignal(supervisor int) error {
	sig := int32(unix.SIGKILL)
	if err := procctl(procPdeathsigCtl, unsafe.Pointer(&sig)); err != nil {
		return os.NewSyscallError("procctl PROC_PDEATHSIG_CTL", err)
	}
	if ppid := os.Getppid(); ppid != supervisor {
		return fmt.Errorf("pidfile run: the supervisor (process %d) is gone", supervisor)
	}
	return nil
}
