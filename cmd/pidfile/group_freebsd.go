package main

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// sendLeader sends sig to the group's leader alone, while it is seen alive
// and leading its group (the supervisor's CMD; FreeBSD has no pidfd).
func (g *processGroup) sendLeader(sig syscall.Signal) error {
	if !g.leaderAlive() {
		return errGroupUnproven
	}
	return unix.Kill(g.pgid, sig)
}
