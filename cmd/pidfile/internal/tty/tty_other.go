//go:build !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package tty

// Is reports false: the command needs no terminal here.
func Is(int) bool { return false }
