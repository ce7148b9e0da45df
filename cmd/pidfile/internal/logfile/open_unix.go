//go:build unix

package logfile

// Opening -log: root appends to it for a daemon, so the file must be one
// that nobody else could have put there or may write.

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/tty"
	"github.com/go-pidfile/pidfile/internal/filerule"
)

// Open opens a -log file for appending, creating it with mode 0640 less
// the umask. Only a regular file with one link, a terminal (/dev/console)
// or the null device is accepted: root must not be made to append to a file
// someone linked into a log directory, nor to a device. An existing regular
// file must be one that Claim would accept as a pidfile (filerule: owned by
// root or the caller, writable by nobody else, who could replace what the
// daemon logs), and none of notThese (the pidfile, its PATH.child), nor a
// file that another process holds a lock on (another pidfile). A symbolic
// link is followed only in a directory of the path, and only one that root
// or the caller made. A file that this call created and then refused (a
// directory's default ACL made it writable by others) is removed.
func Open(path string, notThese ...string) (*os.File, error) {
	dir, name, err := openParent(path)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dir)
	const flags = unix.O_WRONLY | unix.O_APPEND | unix.O_NOFOLLOW | unix.O_NOCTTY | unix.O_NONBLOCK | unix.O_CLOEXEC
	fd, err := unix.Openat(dir, name, flags|unix.O_CREAT|unix.O_EXCL, 0o640)
	created := err == nil
	if err == unix.EEXIST {
		fd, err = unix.Openat(dir, name, flags, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	if err := checkLog(f, path, notThese); err != nil {
		f.Close()
		if created {
			unix.Unlinkat(dir, name, 0)
		}
		return nil, err
	}
	// O_NONBLOCK only kept the open from waiting on a FIFO's reader.
	if err := syscall.SetNonblock(int(f.Fd()), false); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkLog says why f, just opened at path, is not a log to append to.
func checkLog(f *os.File, path string, notThese []string) error {
	fd := int(f.Fd())
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		if !tty.Is(fd) && !isNullDevice(&st) {
			return fmt.Errorf("%s: a device that is neither a terminal nor /dev/null", path)
		}
		return nil
	case unix.S_IFREG:
	default:
		return fmt.Errorf("%s: not a regular file", path)
	}
	if st.Nlink != 1 {
		return fmt.Errorf("%s: a regular file with %d hard links", path, st.Nlink)
	}
	if why := filerule.Untrusted(st.Uid, uint32(st.Mode), func() uint32 { return uint32(os.Geteuid()) }); why != "" {
		return fmt.Errorf("%s %s", path, why)
	}
	for _, p := range notThese {
		var pst unix.Stat_t
		if unix.Lstat(p, &pst) == nil && pst.Dev == st.Dev && pst.Ino == st.Ino {
			return fmt.Errorf("%s: this is %s", path, p)
		}
	}
	switch err := unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB); err {
	case nil:
		unix.Flock(fd, unix.LOCK_UN)
	case unix.EWOULDBLOCK:
		return fmt.Errorf("%s: another process holds a lock on it (is it a pidfile?)", path)
	}
	return nil
}

// isNullDevice reports whether st is /dev/null's device.
func isNullDevice(st *unix.Stat_t) bool {
	var null unix.Stat_t
	return unix.Stat(os.DevNull, &null) == nil && null.Mode&unix.S_IFMT == unix.S_IFCHR && null.Rdev == st.Rdev
}

// openParent opens the directory of path, and returns it and the last
// name. It walks the directories one at a time: a symbolic link among them
// is followed only if root or this process's user made it (/var/run ->
// /run), never one that another user made, who could point root's log at
// /etc.
func openParent(path string) (int, string, error) {
	i := strings.LastIndexByte(path, '/')
	dir, name := path[:i+1], path[i+1:]
	if name == "" || name == "." || name == ".." {
		return -1, "", fmt.Errorf("%s: not a file name", path)
	}
	start := "."
	if strings.HasPrefix(path, "/") {
		start = "/"
	}
	fd, err := unix.Open(start, dirFlags, 0)
	if err != nil {
		return -1, "", &os.PathError{Op: "open", Path: start, Err: err}
	}
	walked := strings.TrimSuffix(start, ".")
	for _, c := range strings.Split(dir, "/") {
		if c == "" || c == "." {
			continue
		}
		walked += c + "/"
		next, err := unix.Openat(fd, c, dirFlags|unix.O_NOFOLLOW, 0)
		if err == unix.ELOOP || err == unix.ENOTDIR {
			// A symbolic link, or no directory at all.
			var st unix.Stat_t
			if serr := unix.Fstatat(fd, c, &st, unix.AT_SYMLINK_NOFOLLOW); serr == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
				if st.Uid != 0 && int(st.Uid) != os.Geteuid() {
					unix.Close(fd)
					return -1, "", fmt.Errorf("%s: %s is a symbolic link that user %d made; only root's or this user's are followed", path, strings.TrimSuffix(walked, "/"), st.Uid)
				}
				next, err = unix.Openat(fd, c, dirFlags, 0)
			}
		}
		unix.Close(fd)
		if err != nil {
			return -1, "", &os.PathError{Op: "open", Path: strings.TrimSuffix(walked, "/"), Err: err}
		}
		fd = next
	}
	return fd, name, nil
}
