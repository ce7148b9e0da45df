//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

// Descriptors that pass a lock between processes: the inherited one that
// Claim adopts, and the duplicate that Handoff gives a successor.

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// sameFileLocked reports whether fd is an open description of the file id
// that holds its exclusive flock: it already held it, or took it now because
// nobody held it. A description of another file, or one that another
// description's lock keeps out, is not.
func sameFileLocked(fd int, id fileID) bool {
	var st unix.Stat_t
	if fstat(fd, &st) != nil || (fileID{uint64(st.Dev), uint64(st.Ino)}) != id {
		return false
	}
	return flock(fd, unix.LOCK_EX|unix.LOCK_NB) == nil
}

// replaceLockFD makes fd, which holds f's lock, the description that f locks
// with, closing the one f opened; fd becomes close-on-exec.
func (f *file) replaceLockFD(fd int) {
	unix.CloseOnExec(fd)
	closeFD(f.fd)
	f.fd = fd
}

// duplicate returns a new descriptor of f's locking description, which
// holds the same lock, close-on-exec.
func (f *file) duplicate() (*os.File, error) {
	fd, err := unix.FcntlInt(uintptr(f.fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("fcntl: %w", err)
	}
	return os.NewFile(uintptr(fd), "pidfile lock"), nil
}
