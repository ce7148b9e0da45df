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
