//go:build !unix

package main

import (
	"errors"
	"os"
)

// execInPlace cannot replace a process here; pidfile itself is unsupported.
func execInPlace(string, []string, []string) error { return errors.ErrUnsupported }

var signals = map[string]os.Signal{"KILL": os.Kill, "INT": os.Interrupt}

func signalNumber(int) (os.Signal, bool) { return nil, false }
