package main

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// processGroup is a group pinned by a pidfd of its leader. The pidfd names
// the leader's struct pid, which the group's members keep as their group
// even after the leader was reaped and its number freed: Linux 6.9's
// PIDFD_SIGNAL_PROCESS_GROUP signals exactly those members, and never a new
// group that took the number.
type processGroup struct {
	pidfd int
	pgid  int
}

// pidfdSignalProcessGroup is PIDFD_SIGNAL_PROCESS_GROUP of <linux/pidfd.h>.
const pidfdSignalProcessGroup = 1 << 2

// pinGroup pins the group that process pid leads: pid must lead it, and be
// alive or a zombie not yet reaped (a child of this process, or one that
// the caller confirms alive after this call).
func pinGroup(pid int) (*processGroup, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, os.NewSyscallError("pidfd_open", err)
	}
	if pgid, err := unix.Getpgid(pid); err != nil || pgid != pid {
		unix.Close(fd)
		return nil, errNotLeader
	}
	return &processGroup{pidfd: fd, pgid: pid}, nil
}

// send sends sig to the group: through the pidfd, or where the kernel is
// older than 6.9, with kill(2) to its ID while the leader is seen alive
// and leading it (a PID that has not been reaped is not reused).
func (g *processGroup) send(sig syscall.Signal) error {
	err := unix.PidfdSendSignal(g.pidfd, sig, nil, pidfdSignalProcessGroup)
	if err == unix.EINVAL {
		if !g.leaderAlive() {
			return errGroupUnproven
		}
		if pgid, perr := unix.Getpgid(g.pgid); perr != nil || pgid != g.pgid {
			return errGroupUnproven
		}
		err = unix.Kill(-g.pgid, sig)
	}
	switch err {
	case nil, unix.EPERM: // EPERM: a member this user may not signal
		return nil
	case unix.ESRCH:
		return errGroupGone
	}
	return os.NewSyscallError("pidfd_send_signal", err)
}

// leaderAlive reports whether the leader has not exited: a pidfd is
// readable once its process has.
func (g *processGroup) leaderAlive() bool {
	p := []unix.PollFd{{Fd: int32(g.pidfd), Events: unix.POLLIN}}
	n, err := unix.Poll(p, 0)
	return err == nil && n == 0
}

func (g *processGroup) close() { unix.Close(g.pidfd) }

// sendLeader sends sig to the group's leader alone, through the pidfd: a
// leader that has exited and been reaped is never confused with a process
// that took its PID.
func (g *processGroup) sendLeader(sig syscall.Signal) error {
	err := unix.PidfdSendSignal(g.pidfd, sig, nil, 0)
	if err == unix.ESRCH {
		return errGroupGone
	}
	return err
}
