//go:build unix && !linux

package main

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// processGroup is a group known by its leader's PID, which nothing pins
// here: a signal is sent only while the leader is seen alive and leading the
// group (a PID that has not been reaped is not reused); once the leader has
// exited, the group cannot be told from a new one with the same ID, and
// nothing more is sent.
type processGroup struct{ pgid int }

func pinGroup(pid int) (*processGroup, error) {
	if pgid, err := unix.Getpgid(pid); err != nil || pgid != pid {
		return nil, errNotLeader
	}
	return &processGroup{pgid: pid}, nil
}

func (g *processGroup) send(sig syscall.Signal) error {
	if !g.leaderAlive() {
		return errGroupUnproven
	}
	switch err := unix.Kill(-g.pgid, sig); err {
	case nil, unix.EPERM:
		return nil
	case unix.ESRCH:
		return errGroupGone
	default:
		return os.NewSyscallError("kill", err)
	}
}

// leaderAlive: the leader exists and still leads its group. A zombie
// counts: its PID is not free yet.
func (g *processGroup) leaderAlive() bool {
	pgid, err := unix.Getpgid(g.pgid)
	return err == nil && pgid == g.pgid
}

func (g *processGroup) close() {}
