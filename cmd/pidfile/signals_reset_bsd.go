//go:build unix && !linux

package main

import (
	"os"
	"os/signal"
)

// resetSignals turns the signals of resetToDefault back to their default for
// the program this process is about to execute, where the caller ignored
// them (nohup, a shell's &): Go keeps them ignored then, and a handler of
// its own, which exec turns back to the default, undoes that. The signal mask is left as
// the caller set it: these systems give Go no call to change it.
func resetSignals() {
	signal.Notify(make(chan os.Signal, 1), resetToDefault...)
}
