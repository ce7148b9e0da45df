//go:build linux || freebsd

package main

// How the supervisor reaps CMD and its orphans, and ends what CMD left in
// its process group.

import (
	"syscall"
	"time"
)

// reap reaps every child that has exited (CMD, and orphans of its tree that
// the kernel gave this process), and returns CMD's status once it is among
// them.
func (s *supervisor) reap(pid int) (syscall.WaitStatus, bool) {
	var cmd syscall.WaitStatus
	found := false
	for {
		var ws syscall.WaitStatus
		p, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if p <= 0 || err != nil {
			return cmd, found
		}
		if p == pid {
			cmd, found = ws, true
		}
	}
}

// endGroup ends what is left of CMD's process group (pgid, CMD's PID): TERM,
// then KILL after -stop-timeout; it returns once the group is empty, every
// orphan reaped. Stop requests meanwhile are remembered.
func (s *supervisor) endGroup(pgid int) {
	defer s.group.close()
	s.reap(0)
	if !s.groupAlive() {
		return
	}
	s.say("ending what is left of process group %d", pgid)
	s.group.send(syscall.SIGTERM)
	wait := s.groupWait()
	kill := time.After(wait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for s.groupAlive() {
		select {
		case sig := <-s.sigs:
			if stopSignals[sig] && !s.stopping {
				s.stopRequested()
				wait = s.groupWait()
				kill = time.After(wait)
			}
		case <-s.chld:
		case <-tick.C:
		case <-kill:
			s.say("process group %d is not empty after %v; sending KILL", pgid, wait)
			s.group.send(syscall.SIGKILL)
		}
		s.reap(0)
	}
}

// groupAlive reports whether the current CMD's group has a member left; a
// group that cannot be told (a kernel older than 6.9, its leader reaped)
// counts as empty: nothing can be sent to it any more.
func (s *supervisor) groupAlive() bool {
	alive, err := s.group.alive()
	return alive && err == nil
}

// reapNow waits for child pid, which is ending.
func (s *supervisor) reapNow(pid int) {
	var ws syscall.WaitStatus
	for {
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
			return
		}
	}
}

// groupWait is how long what is left of CMD's group has before KILL:
// -stop-timeout, but after a stop request what is left of it, so that the
// whole stop takes no longer than that.
func (s *supervisor) groupWait() time.Duration {
	if s.stopping {
		return max(min(s.l.sup.stopTimeout, time.Until(s.stopBy)), 0)
	}
	return s.l.sup.stopTimeout
}
