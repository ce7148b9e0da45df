//go:build !unix && !windows

package main

import (
	"os"
	"strconv"
	"strings"
)

func signalNamed(name string) (os.Signal, bool) {
	switch strings.TrimPrefix(strings.ToUpper(name), "SIG") {
	case "KILL":
		return os.Kill, true
	case "INT":
		return os.Interrupt, true
	}
	return nil, false
}

func signalNumber(int) (os.Signal, bool) { return nil, false }

var killSignal = os.Kill

// exitText says how a process ended: run, which starts processes, is not
// supported here.
func exitText(ps *os.ProcessState) string { return "exited with status " + strconv.Itoa(ps.ExitCode()) }

// sigText is a signal's name for a message.
func sigText(sig os.Signal) string { return sig.String() }
