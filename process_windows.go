package pidfile

// Processes on Windows: a handle to a process pins its PID (the PID is not
// reused while any handle to the process is open), so Signal and Wait open
// one first and check the pidfile after.

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/windows"
)

// processAlive reports whether a process with this PID is running. A
// process that exists but that this one may not open (another user's, a
// system process) counts as alive. The exit code is no test of life: a
// process may exit with 259, which is STILL_ACTIVE; its handle is signalled
// once it has exited.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err == windows.ERROR_ACCESS_DENIED {
		return true
	}
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	return running(h)
}

// running reports whether the process of handle h has not exited.
func running(h windows.Handle) bool {
	ev, err := windows.WaitForSingleObject(h, 0)
	return err == nil && ev == uint32(windows.WAIT_TIMEOUT)
}

// toSignal accepts what Signal can do on Windows: os.Kill, which terminates
// the process, and syscall.Signal(0), which checks that it exists.
func toSignal(sig os.Signal) (syscall.Signal, bool) {
	s, ok := sig.(syscall.Signal)
	return s, ok && (s == 0 || s == syscall.SIGKILL)
}

// effectiveUID is never asked for here: no file has an owner to compare.
func effectiveUID() uint32 { return 0 }

// processRunsAs cannot tell: the content of a pidfile is believed here
// without looking at who owns it (openFile).
func processRunsAs(int, uint32) (runs, known bool) { return false, false }

// signalHolder terminates the holder of f's lock, or with signal 0 checks
// that it exists. It finds the holder's PID by Read's rules, opens a handle
// to that process, which pins the PID, and only then confirms that the lock
// is still held and that the content still names that process, so a PID
// reused in between is never hit.
func signalHolder(f *file, path string, sig os.Signal) (int, error) {
	s, _ := toSignal(sig)
	pid, err := findHolder(f, path)
	if err != nil {
		return 0, err
	}
	if testHookSignal != nil {
		testHookSignal("found")
	}
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE|windows.SYNCHRONIZE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err == windows.ERROR_INVALID_PARAMETER {
		return 0, errHolderChanged // gone
	}
	if err != nil {
		return 0, pathError(opSignal, path, fmt.Errorf("open process %d: %w", pid, err))
	}
	defer windows.CloseHandle(h)
	if testHookSignal != nil {
		testHookSignal("pinned")
	}
	again, err := findHolder(f, path)
	if err != nil {
		return 0, err
	}
	if again != pid || !running(h) {
		return 0, errHolderChanged
	}
	if s == 0 {
		return pid, nil
	}
	if err := windows.TerminateProcess(h, 1); err != nil {
		return 0, pathError(opSignal, path, fmt.Errorf("terminate process %d: %w", pid, err))
	}
	return pid, nil
}

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
