//go:build unix

package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"syscall"

	"github.com/go-pidfile/pidfile/internal/filerule"
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

// untrustedWriters says why a file with owner uid and mode may have been
// written by others than root and this process's user, or nil if it cannot:
// the rule that Claim applies to a pidfile (filerule).
func untrustedWriters(path string, uid, mode uint32) error {
	if why := filerule.Untrusted(uid, mode, func() uint32 { return uint32(os.Geteuid()) }); why != "" {
		return fmt.Errorf("%s %s", path, why)
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
	if err := untrustedWriters(path, st.Uid, uint32(st.Mode)); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxEnvFile+1))
	if err == nil && len(b) > maxEnvFile {
		err = fmt.Errorf("%s: longer than %d bytes", path, maxEnvFile)
	}
	return b, err
}

// openLogToRead opens a log to read what CMD wrote, not through a symbolic
// link, and without waiting on a FIFO.
func openLogToRead(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
