package main

import (
	"os"
	"os/signal"
	"runtime"

	"golang.org/x/sys/unix"
)

// resetSignals leaves nothing of the caller's signal state to the program
// this process is about to execute, on this thread: Go keeps the signals of
// resetToDefault as the caller set them, ignored too (nohup, a shell's &),
// and a handler of its own, which exec turns back to the default, undoes
// that; and the signal mask, which exec keeps, is emptied on the thread
// that will call execve.
func resetSignals() {
	signal.Notify(make(chan os.Signal, 1), resetToDefault...)
	runtime.LockOSThread() // until the exec: the mask is the thread's
	var none unix.Sigset_t
	unix.PthreadSigmask(unix.SIG_SETMASK, &none, nil)
}
