// Package tty tells whether a descriptor is a terminal: -log takes a
// terminal (/dev/console) as a log, and stop tells a person on a terminal
// what it does, step by step.
package tty

import "os"

// IsFile reports whether f is a terminal.
func IsFile(f *os.File) bool { return f != nil && Is(int(f.Fd())) }
