//go:build unix

package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// signalNamed returns the signal that kill(1) calls name (TERM, SIGTERM,
// sigterm), as this system numbers it.
func signalNamed(name string) (os.Signal, bool) {
	name = "SIG" + strings.TrimPrefix(strings.ToUpper(name), "SIG")
	if name == "SIGIOT" {
		name = "SIGABRT" // the old name of the same signal
	}
	if s := unix.SignalNum(name); s != 0 {
		return s, true
	}
	return nil, false
}

// signalNumber accepts 0 (a check that sends nothing) up to 64.
func signalNumber(n int) (os.Signal, bool) {
	if n < 0 || n > 64 {
		return nil, false
	}
	return syscall.Signal(n), true
}

var killSignal = syscall.SIGKILL

// resetToDefault are the signals that Go leaves as the caller set them when
// nothing asks for them: HUP and INT where they were ignored (nohup, a
// shell's &), and the job control stops TSTP, TTIN and TTOU always. A
// handler of Go's, which resetSignals installs by asking for them, is what
// exec turns back to the default; an ignored signal would stay ignored in
// CMD.
var resetToDefault = []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU}

// exitText says how a process ended.
func exitText(ps *os.ProcessState) string { return waitText(ps.Sys().(syscall.WaitStatus)) }

// waitText says how a process ended.
func waitText(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "was killed by signal " + signalName(ws.Signal())
	}
	return "exited with status " + strconv.Itoa(ws.ExitStatus())
}

// signalName is SIGTERM's "TERM".
func signalName(sig syscall.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return strings.TrimPrefix(name, "SIG")
	}
	return strconv.Itoa(int(sig))
}

// sigText is a signal's name for a message: TERM, KILL.
func sigText(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		return signalName(s)
	}
	return sig.String()
}
