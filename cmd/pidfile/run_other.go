//go:build !unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// execSupported: without exec, the command could not keep the PID that the
// pidfile names, so run refuses to start.
const execSupported = false

// What run needs from the system is missing here: run refuses -detach and
// -user before it calls any of these, and execInPlace fails.

func execInPlace(string, []string, []string) error { return errors.ErrUnsupported }
func closeInheritedOnExec() error                  { return errors.ErrUnsupported }
func becomeUser(*account) error                    { return errors.ErrUnsupported }
func detachedAttr() *syscall.SysProcAttr           { return nil }
func closeOnExec(*os.File)                         {}
func selfExecutable() (string, error)              { return os.Executable() }
func resetSignals()                                {}

// readTrusted: run is not supported here (it cannot execute CMD).
func readTrusted(string) ([]byte, error) { return nil, errors.ErrUnsupported }

// openLogToRead: run is not supported here.
func openLogToRead(string) (*os.File, error) { return nil, errors.ErrUnsupported }
