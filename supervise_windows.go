package pidfile

// The supervisor's side on Windows: a handle to a process pins its PID (the
// PID is not reused while any handle to the process is open), so Signal and
// Wait open one first and check the pidfile after.

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/windows"
)

// processGroups: SignalGroup can signal a process group here.
const processGroups = false

// pinned is a process held by a handle.
type pinned struct{ h windows.Handle }

// pin opens a handle to process pid that may terminate it.
func pin(pid int) (pinned, error) {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE|windows.SYNCHRONIZE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err == windows.ERROR_INVALID_PARAMETER {
		return pinned{}, errGone
	}
	if err != nil {
		return pinned{}, err
	}
	return pinned{h}, nil
}

// running reports whether the pinned process has not exited: its PID is
// pinned, but its exit is not.
func (p pinned) running() bool { return running(p.h) }

// send terminates the process for os.Kill; for syscall.Signal(0) the check
// was made (running).
func (p pinned) send(sig os.Signal) error {
	if s, _ := toSignal(sig); s == syscall.Signal(0) {
		return nil
	}
	return windows.TerminateProcess(p.h, 1)
}

func (p pinned) release() { windows.CloseHandle(p.h) }

// leadsGroup: Windows has no process groups to signal.
func (pinned) leadsGroup() bool { return false }

func (pinned) sendGroup(os.Signal) error { return errors.ErrUnsupported }

// waitTurn returns when process pid exits, after d, or when ctx is done
// (with ctx's error). It waits on the process's handle and on an event that
// ctx's end sets, in this goroutine: nothing is left running after it
// returns.
func waitTurn(ctx context.Context, pid int, d time.Duration) error {
	if pid <= 0 {
		return sleepContext(ctx, d)
	}
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err == windows.ERROR_INVALID_PARAMETER {
		return nil // already gone
	}
	if err != nil {
		return sleepContext(ctx, d)
	}
	defer windows.CloseHandle(h)
	done, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return sleepContext(ctx, d)
	}
	defer windows.CloseHandle(done)
	set := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		windows.SetEvent(done)
		close(set)
	})
	windows.WaitForMultipleObjects([]windows.Handle{h, done}, false, uint32(min(d.Milliseconds(), windows.INFINITE-1)))
	if !stop() {
		<-set // the event must not be closed before SetEvent is done with it
	}
	return ctx.Err()
}
