//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package pidfile

import "os"

func processAlive(int) bool { return false }

func toSignal(os.Signal) (int, bool) { return 0, true }

func effectiveUID() uint32 { return 0 }

func processRunsAs(int, uint32) (bool, bool) { return false, false }
