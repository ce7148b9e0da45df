//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// processAlive reports whether a process with this PID exists. EPERM means
// it exists but belongs to someone else. A zombie counts as alive: its PID
// is not free for reuse yet.
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || err == unix.EPERM
}

// toSignal converts sig for kill(2) and pidfd_send_signal(2).
func toSignal(sig os.Signal) (unix.Signal, bool) {
	s, ok := sig.(unix.Signal)
	return s, ok
}

// effectiveUID is the caller's effective user ID now; a system call each
// time, since a process may change it.
func effectiveUID() uint32 { return uint32(unix.Geteuid()) }
