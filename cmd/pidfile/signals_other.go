//go:build !unix && !windows

package main

import "os"

var signals = map[string]os.Signal{"KILL": os.Kill, "INT": os.Interrupt}

func signalNumber(int) (os.Signal, bool) { return nil, false }

var killSignal = os.Kill
