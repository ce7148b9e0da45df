//go:build linux && !pidfile_portable

package pidfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// signalHolder signals the holder of f's lock through a pidfd, after the
// kernel's lock table has named it twice: once before the pidfd pins the
// process, once after. A PID that was reused between the table and the pidfd
// fails the second check (the new process does not hold the lock). The
// content is read only where there is no table; where /proc belongs to
// another PID namespace, or the table names a holder that cannot be
// confirmed, nobody is signalled.
func signalHolder(f *file, path string, sig os.Signal) (int, error) {
	s, _ := toSignal(sig)
	if held, err := heldByOther(f, path); !held {
		return 0, err
	}
	pid, state := kernelHolder(f)
	switch state {
	case kernelNoTable:
		var err error
		if pid, err = findHolder(f, path); err != nil {
			return 0, err
		}
	case kernelForeign:
		return 0, &LockedError{Path: path, Err: errForeignProc}
	case kernelStale:
		return 0, &LockedError{Path: path, Err: ErrInheritedLock}
	case kernelUnconfirmed:
		return 0, &LockedError{Path: path, Err: &unconfirmedError{pid}}
	case kernelUnknown:
		// Either the holder let go after heldByOther looked, or the table
		// names nobody this process can see (another PID namespace) or
		// confirm; then the content's PID may name someone else here.
		if held, err := heldByOther(f, path); !held {
			return 0, err
		}
		return 0, pathError(opSignal, path, errors.New("the kernel's lock table names no holder visible from here (another PID namespace?); not signalling"))
	}
	if testHookSignal != nil {
		testHookSignal("found")
	}
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err == unix.ESRCH {
		return 0, errHolderChanged
	}
	if err != nil {
		return 0, pathError(opSignal, path, fmt.Errorf("pidfd_open %d: %w", pid, err))
	}
	defer unix.Close(pidfd)
	if testHookSignal != nil {
		testHookSignal("pinned")
	}
	if state == kernelLive {
		if again, state := kernelHolder(f); state != kernelLive || again != pid {
			return 0, errHolderChanged
		}
	}
	err = unix.PidfdSendSignal(pidfd, s, nil, 0)
	if err == unix.ESRCH {
		return 0, errHolderChanged
	}
	if err != nil {
		return 0, pathError(opSignal, path, fmt.Errorf("signal process %d: %w", pid, err))
	}
	return pid, nil
}

// heldByOther reports whether another open file description holds f's lock.
// If not, f holds a shared lock now (until the caller closes f) and err says
// that nobody is running, or why the lock could not be tested.
func heldByOther(f *file, path string) (bool, error) {
	locked, err := f.tryLock(false)
	if err != nil {
		return false, pathError(opSignal, path, fmt.Errorf("flock: %w", err))
	}
	if locked {
		return false, notRunning(path, "nobody holds the lock")
	}
	return true, nil
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
