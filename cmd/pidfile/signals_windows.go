package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// signalNamed accepts what Windows can do: terminate (os.Kill). There is no
// polite signal, so TERM terminates too, as KILL does.
func signalNamed(name string) (os.Signal, bool) {
	switch strings.TrimPrefix(strings.ToUpper(name), "SIG") {
	case "KILL", "TERM":
		return os.Kill, true
	}
	return nil, false
}

var killSignal = os.Kill

// signalNumber accepts 0 (a check), 9 (KILL) and 15 (TERM).
func signalNumber(n int) (os.Signal, bool) {
	switch n {
	case 0:
		return syscall.Signal(0), true
	case 9, 15:
		return os.Kill, true
	}
	return nil, false
}

// exitText says how a process ended: run, which starts processes, is not
// supported here.
func exitText(ps *os.ProcessState) string { return "exited with status " + strconv.Itoa(ps.ExitCode()) }

// sigText is a signal's name for a message.
func sigText(sig os.Signal) string { return sig.String() }
