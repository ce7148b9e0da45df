//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package pidfile

func processAlive(int) bool { return false }
