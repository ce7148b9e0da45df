//go:build linux && !pidfile_portable

package pidfile

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// processGroups: SignalGroup can signal a process group here.
const processGroups = true

// pinned is a process held by a pidfd, whose PID cannot pass to another
// process while it is open.
type pinned struct{ pidfd, pid int }

// pin opens a pidfd for process pid.
func pin(pid int) (pinned, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err == unix.ESRCH {
		return pinned{}, errGone
	}
	if err != nil {
		return pinned{}, fmt.Errorf("pidfd_open: %w", err)
	}
	return pinned{fd, pid}, nil
}

// running: a pidfd's process may have exited; send tells (ESRCH).
func (pinned) running() bool { return true }

// send signals the pinned process through its pidfd.
func (p pinned) send(sig os.Signal) error {
	s, _ := toSignal(sig)
	err := unix.PidfdSendSignal(p.pidfd, s, nil, 0)
	if err == unix.ESRCH {
		return errGone
	}
	return err
}

func (p pinned) release() { unix.Close(p.pidfd) }

// leadsGroup reports whether the pinned process leads its process group.
func (p pinned) leadsGroup() bool {
	pgid, err := unix.Getpgid(p.pid)
	return err == nil && pgid == p.pid
}

// pidfdSignalProcessGroup is PIDFD_SIGNAL_PROCESS_GROUP of <linux/pidfd.h>
// (Linux 6.9): signal the process group of the pidfd's process.
const pidfdSignalProcessGroup = 1 << 2

// sendGroup signals the process group that the pinned process leads: through
// its pidfd where the kernel can, else with kill(2) to the group's ID.
func (p pinned) sendGroup(sig os.Signal) error {
	s, _ := toSignal(sig)
	err := unix.PidfdSendSignal(p.pidfd, s, nil, pidfdSignalProcessGroup)
	if err == unix.EINVAL {
		err = unix.Kill(-p.pid, s)
	}
	if err == unix.ESRCH {
		return errGone
	}
	return err
}

// waitTurn returns when process pid exits, after d, or when ctx is done
// (with ctx's error). It sleeps on a pidfd registered with the runtime's
// poller, so no thread or goroutine is left behind; pid 0 or a pidfd that
// cannot be had means a plain sleep.
func waitTurn(ctx context.Context, pid int, d time.Duration) error {
	if pid <= 0 {
		return sleepContext(ctx, d)
	}
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err == unix.ESRCH {
		return nil // already gone
	}
	if err != nil {
		return sleepContext(ctx, d)
	}
	pidfd := os.NewFile(uintptr(fd), "pidfd")
	defer pidfd.Close()
	rc, err := pidfd.SyscallConn()
	if err != nil {
		return sleepContext(ctx, d)
	}
	pidfd.SetReadDeadline(time.Now().Add(d))
	stop := context.AfterFunc(ctx, func() { pidfd.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	rc.Read(func(fd uintptr) bool {
		// A pidfd is readable once its process has exited. Returning
		// false parks the goroutine in the poller until it is, or
		// until the deadline.
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, _ := unix.Poll(p, 0)
		return n > 0
	})
	return ctx.Err()
}
