package tty

import "golang.org/x/sys/unix"

// Is reports whether descriptor fd is a terminal.
func Is(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}
