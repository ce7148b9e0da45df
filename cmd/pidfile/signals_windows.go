package main

import (
	"os"
	"syscall"
)

// signals maps names to what Windows can do: terminate (os.Kill). There is no
// polite signal, so TERM terminates too, as KILL does.
var signals = map[string]os.Signal{"KILL": os.Kill, "TERM": os.Kill}

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
