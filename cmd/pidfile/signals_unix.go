//go:build unix

package main

import (
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// signalNamed returns the signal that kill(1) calls name (TERM, SIGTERM,
// sigterm), as this system numbers it.
func signalNamed(name string) (os.Signal, bool) {
	name = "SIG" + strings.TrimPrefix(strings.ToUpper(name), "SIG")
	if name == "SIGIOT" {
		name = "SIGABRT" // the old name of the same signal
	}
	if s := unix.SignalNum(name); s != 0 {
		return s, true
	}
	return nil, false
}

// signalNumber accepts 0 (a check that sends nothing) up to 64.
func signalNumber(n int) (os.Signal, bool) {
	if n < 0 || n > 64 {
		return nil, false
	}
	return syscall.Signal(n), true
}

var killSignal = syscall.SIGKILL

// groupAlive reports whether process group pgid has a member, a zombie
// that its parent has not reaped yet among them.
func groupAlive(pgid int) bool {
	err := syscall.Kill(-pgid, 0)
	return err == nil || err == syscall.EPERM
}

// signalGroupID signals process group pgid, whose leader has exited: its
// members are what stop -group still waits for.
func signalGroupID(pgid int, sig os.Signal) error {
	err := syscall.Kill(-pgid, sig.(syscall.Signal))
	if err == syscall.ESRCH {
		return nil // emptied meanwhile
	}
	return err
}
