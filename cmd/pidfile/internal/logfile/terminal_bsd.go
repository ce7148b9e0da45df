//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package logfile

import "golang.org/x/sys/unix"

// dirFlags open a directory to walk it.
const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC

// isTerminal reports whether fd is a terminal.
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TIOCGETA)
	return err == nil
}
