//go:build darwin || freebsd || netbsd || openbsd || dragonfly || (linux && pidfile_portable)

package pidfile

import (
	"context"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// processGroups: SignalGroup can signal a process group here.
const processGroups = true

// pinned is a process known by its PID alone: these systems have no way to
// pin a process that this package could use, so between the verdict and
// kill(2) the holder can exit and its PID be reused.
type pinned struct{ pid int }

func pin(pid int) (pinned, error) { return pinned{pid}, nil }

func (pinned) running() bool { return true }

// send signals the process with kill(2).
func (p pinned) send(sig os.Signal) error {
	s, _ := toSignal(sig)
	err := unix.Kill(p.pid, s)
	if err == unix.ESRCH {
		return errGone
	}
	return err
}

func (pinned) release() {}

// leadsGroup reports whether the process leads its process group.
func (p pinned) leadsGroup() bool {
	pgid, err := unix.Getpgid(p.pid)
	return err == nil && pgid == p.pid
}

// sendGroup signals the process group that the process leads, with kill(2).
func (p pinned) sendGroup(sig os.Signal) error {
	s, _ := toSignal(sig)
	err := unix.Kill(-p.pid, s)
	if err == unix.ESRCH {
		return errGone
	}
	return err
}

// waitTurn sleeps for d or until ctx is done: there is no portable way here
// to sleep on another process's exit.
func waitTurn(ctx context.Context, _ int, d time.Duration) error { return sleepContext(ctx, d) }
