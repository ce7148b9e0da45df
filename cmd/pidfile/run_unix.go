//go:build unix

package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

// execSupported: run can execute CMD in its own place.
const execSupported = true

// execInPlace replaces this process with bin; it returns only on failure.
func execInPlace(bin string, argv, env []string) error {
	return os.NewSyscallError("execve", syscall.Exec(bin, argv, env))
}

// becomeUser makes a this process's user, in the order that leaves no
// privilege behind: supplementary groups, group, then user (real, effective
// and saved IDs all; on Linux for every thread).
func becomeUser(a *account) error {
	if err := syscall.Setgroups(a.groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(a.gid); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(a.uid); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	return nil
}

// detachedAttr puts the child of run -detach in a session of its own, which
// has no controlling terminal.
func detachedAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

func closeOnExec(f *os.File) { syscall.CloseOnExec(int(f.Fd())) }

// closeInheritedOnExec marks close-on-exec every descriptor above standard
// error: the ones this process inherited from its caller (a shell's pipes,
// a supervisor's sockets) would otherwise pass to the detached child, and
// from it to the daemon, because a Go program's fork passes on every
// descriptor that is not close-on-exec. Go's own are already.
func closeInheritedOnExec() error {
	entries, err := os.ReadDir("/dev/fd")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd) // a descriptor that is gone (ReadDir's own) needs nothing
		}
	}
	return nil
}

// selfExecutable is this program, to be started again. On Linux,
// /proc/self/exe works even when the file has been replaced or removed
// since (a package upgrade).
func selfExecutable() (string, error) {
	if runtime.GOOS == "linux" {
		if _, err := os.Stat("/proc/self/exe"); err == nil {
			return "/proc/self/exe", nil
		}
	}
	return os.Executable()
}

// openLog opens the -log file for appending, creating it with mode 0640 less
// the umask. A final symbolic link is not followed, and only a regular file
// with one link or a character device (/dev/console) is accepted: root must
// not be made to append to a file someone linked into a log directory. An
// existing regular file must be one that Claim would accept as a pidfile
// (owned by root or the caller, writable by nobody else: another user who may
// write it could replace what the daemon logs), and not the pidfile itself.
func openLog(path, pidfile string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0o640)
	if err != nil {
		return nil, err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, err
	}
	var pst syscall.Stat_t
	switch {
	case st.Mode&syscall.S_IFMT == syscall.S_IFCHR:
	case st.Mode&syscall.S_IFMT != syscall.S_IFREG:
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", path)
	case st.Nlink != 1:
		f.Close()
		return nil, fmt.Errorf("%s: a regular file with %d hard links", path, st.Nlink)
	case untrustedWriters(path, &st) != nil:
		f.Close()
		return nil, untrustedWriters(path, &st)
	case syscall.Lstat(pidfile, &pst) == nil && pst.Dev == st.Dev && pst.Ino == st.Ino:
		f.Close()
		return nil, fmt.Errorf("%s: this is the pidfile", path)
	}
	// O_NONBLOCK only kept the open from waiting on a FIFO's reader.
	if err := syscall.SetNonblock(int(f.Fd()), false); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// untrustedWriters says why a file with status st may have been written by
// others than root and this process's user, or nil if it cannot: the rule
// that Claim applies to a pidfile.
func untrustedWriters(path string, st *syscall.Stat_t) error {
	switch {
	case st.Uid != 0 && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%s: owned by user %d, not by root or by this process's user %d", path, st.Uid, os.Geteuid())
	case st.Mode&0o022 != 0:
		return fmt.Errorf("%s: writable by its group or by others (mode %#o)", path, st.Mode&0o7777)
	}
	return nil
}

// maxEnvFile bounds an -env-file: far more than a list of settings needs.
const maxEnvFile = 1 << 20

// readTrusted reads an -env-file: a regular file, not through a symbolic
// link, that nobody but root and this process's user could have written
// (it sets CMD's environment: LD_PRELOAD, PATH), of at most maxEnvFile
// bytes. A FIFO or a device is refused without waiting on it.
func readTrusted(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return nil, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if err := untrustedWriters(path, &st); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxEnvFile+1))
	if err == nil && len(b) > maxEnvFile {
		err = fmt.Errorf("%s: longer than %d bytes", path, maxEnvFile)
	}
	return b, err
}
