//go:build !unix && !windows

package main

import (
	"os"
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

// groupAlive and signalGroupID: no process groups here (SignalGroup refuses
// first).
func groupAlive(int) bool                { return false }
func signalGroupID(int, os.Signal) error { return nil }
