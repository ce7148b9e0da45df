package pidfile

// Processes on Windows: whether one runs, what Signal can send it.

import (
	"os"
	"syscall"

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
