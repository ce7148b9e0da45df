//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package testproc

import (
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
)

// HandOff locks path as a shell script would (with write, also writing this
// process's PID into it), starts child with the locked descriptor as its
// descriptor 3, and closes its own: the kernel's lock table keeps naming
// this process, which holds nothing now. It returns child's stdin, whose
// closing ends child if it reads it.
func HandOff(path string, write bool, child *exec.Cmd) (io.WriteCloser, error) {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return nil, err
	}
	if write {
		if _, err := syscall.Pwrite(fd, []byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
			return nil, err
		}
	}
	child.ExtraFiles = []*os.File{os.NewFile(uintptr(fd), path)}
	stdin, err := child.StdinPipe()
	if err != nil {
		return nil, err
	}
	return stdin, child.Start()
}

// FlockArgv is the argv that makes util-linux flock(1) hold path, as user uid
// (AsUser), while it runs script in sh; flock(1) writes nothing into the
// file.
func FlockArgv(t testing.TB, path string, uid int, script string) []string {
	t.Helper()
	return append(AsUser(t, uid), LookTool(t, "flock"), "-o", path, "sh", "-c", script)
}

// StartFlock makes util-linux flock(1) hold path, as user uid (AsUser), and
// returns once it holds it. flock(1) writes nothing into the file; the lock
// table names it. Its command (cat, which does not inherit the lock) ends
// when the test closes its stdin; the process is killed and reaped with its
// group when the test ends.
func StartFlock(t testing.TB, path string, uid int) *Proc {
	t.Helper()
	args := FlockArgv(t, path, uid, "echo locked; exec cat")
	p := Start(t, exec.Command(args[0], args[1:]...), Stdout)
	p.Expect("locked")
	return p
}
