//go:build unix && !linux && !darwin && !freebsd && !netbsd && !openbsd && !dragonfly

package logfile

import "golang.org/x/sys/unix"

// dirFlags open a directory to walk it.
const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC
