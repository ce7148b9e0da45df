package main

// A process group that is proven to be the one meant: the group that the
// holder of a pidfile leads (stop -group), or the one a child of this
// process leads (a failed run -detach). A group ID is a PID, and is reused
// once the group is empty: kill(-ID) after the leader has exited may reach
// another user's new session. So every signal to a group goes through a
// processGroup, which sends it only while the group is proven to be the
// one meant, and otherwise says so and sends nothing.

import (
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/go-pidfile/pidfile"
)

// errGroupGone: the group has no member left; nothing was signalled.
var errGroupGone = errors.New("the process group is empty")

// signalZero checks that a process exists and sends nothing.
const signalZero = syscall.Signal(0)

// pinAttempts bounds how often holderGroup starts over when the holder
// changes under it.
const pinAttempts = 5

// holderGroup pins the process group that the holder of path leads. It
// finds the holder as SignalGroup does (signal 0: nothing is sent), pins it,
// and asks again: the pinned process, alive after the second answer, is the
// holder that both named. Its errors are SignalGroup's (ErrNotRunning where
// nobody holds path).
func holderGroup(path string) (*processGroup, error) {
	var err error
	for range pinAttempts {
		var pid, again int
		if pid, err = pidfile.SignalGroup(path, signalZero); err != nil {
			return nil, err
		}
		g, perr := pinGroup(pid)
		if perr != nil {
			err = perr
			continue
		}
		again, err = pidfile.SignalGroup(path, signalZero)
		if err == nil && again == pid && g.leaderAlive() {
			return g, nil
		}
		g.close()
		if err != nil {
			return nil, err
		}
	}
	return nil, err
}

// groupPoll is how often waitGroupGone looks whether a group is empty: no
// system tells when a group empties. Every zombieScan-th look it also asks
// /proc whether only zombies are left, which costs a read per process.
const (
	groupPoll  = 10 * time.Millisecond
	zombieScan = 10
)

// waitGroupGone waits until g is empty or d has passed, and reports whether
// it is empty; an error where it cannot be told. A group whose members have
// all exited, zombies that a slow reaper has not reaped yet, is empty: it
// runs nothing and holds no descriptor; one KILL more reaches any member
// that a dying one forked while it was looked at.
func waitGroupGone(g *processGroup, d time.Duration) (bool, error) {
	deadline := time.Now().Add(d)
	for n := 1; ; n++ {
		alive, err := g.alive()
		if err != nil || !alive {
			return !alive, err
		}
		last := time.Now().After(deadline)
		if (n%zombieScan == 0 || last) && onlyZombies(g.pgid) {
			g.signal(killSignal)
			return true, nil
		}
		if last {
			return false, nil
		}
		time.Sleep(groupPoll)
	}
}

// endGroup ends g: TERM, then KILL after wait if it is not empty yet. It
// returns nil once the group is empty, and an error where that could not be
// made sure.
func endGroup(g *processGroup, wait time.Duration) error {
	term, _ := signalNamed("TERM")
	for _, step := range []struct {
		sig  os.Signal
		wait time.Duration
	}{{term, wait}, {killSignal, killWait}} {
		switch err := g.signal(step.sig); err {
		case nil:
		case errGroupGone:
			return nil
		default:
			return err
		}
		gone, err := waitGroupGone(g, step.wait)
		if err != nil || gone {
			return err
		}
	}
	return errors.New("the process group is not empty after KILL")
}

// signal sends sig (a syscall.Signal) to the group.
func (g *processGroup) signal(sig os.Signal) error { return g.send(sig.(syscall.Signal)) }

// alive reports whether the group has a member (a zombie counts).
func (g *processGroup) alive() (bool, error) {
	switch err := g.send(0); err {
	case nil:
		return true, nil
	case errGroupGone:
		return false, nil
	default:
		return false, err
	}
}
