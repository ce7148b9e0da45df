package logfile

import "golang.org/x/sys/unix"

// dirFlags open a directory to walk it: O_PATH needs no read permission.
const dirFlags = unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC
