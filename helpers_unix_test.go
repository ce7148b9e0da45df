//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

// The helper roles and witnesses that need Unix: file descriptors passed to
// children, flock(2), rlimits, exec, process groups.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// runPlatformHelper plays the roles that only Unix has.
func runPlatformHelper(role, path, arg string, in *bufio.Reader, say func(string, ...any)) int {
	switch role {
	case "adopt":
		// Claim, which may adopt an inherited lock; say "claimed PID",
		// what is left of PIDFILE_FD, and Verify's answer, or "error";
		// then hold until stdin closes.
		g, err := Claim(path)
		if err != nil {
			say("error %v", err)
			return 0
		}
		say("claimed %d env=%q verify=%v", os.Getpid(), os.Getenv(InheritedLockEnv), g.Verify())
		io.Copy(io.Discard, in)
		return 0
	case "relay":
		// One link of a chain of handoffs: Claim (adopting the lock
		// that the previous link handed over), say "holds PID", tell
		// the previous link on descriptor 3 that it may let go; then,
		// if arg is above 0, hand the lock to a next link with arg-1 and
		// let go once it says so; the last link holds until it is
		// killed.
		g, err := Claim(path)
		if err != nil {
			say("error %v", err)
			return 1
		}
		say("holds %d", os.Getpid())
		if os.Getenv("PIDFILE_TEST_RELAY") != "" {
			ready := os.NewFile(3, "ready")
			ready.Write([]byte{1})
			ready.Close()
		}
		n, _ := strconv.Atoi(arg)
		if n == 0 {
			select {} // until the test kills it: its stdin ends with the first link
		}
		r, w, err := os.Pipe()
		if err != nil {
			say("error %v", err)
			return 1
		}
		next := testproc.Command("relay", path, strconv.Itoa(n-1), "PIDFILE_TEST_RELAY=1")
		next.Stdin, next.Stdout, next.Stderr = os.Stdin, os.Stdout, os.Stderr
		next.ExtraFiles = []*os.File{w}
		if err := g.Handoff(next); err != nil {
			say("error %v", err)
			return 1
		}
		w.Close()
		var b [1]byte
		if _, err := r.Read(b[:]); err != nil {
			say("error the next link did not say it holds: %v", err)
			return 1
		}
		g.Close()
		return 0
	case "writefail":
		// A file-size limit of one byte makes writing the PID fail.
		signal.Ignore(syscall.SIGXFSZ)
		lim := unix.Rlimit{Cur: 1, Max: 1}
		if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &lim); err != nil {
			say("setrlimit %v", err)
			return 1
		}
		_, err := Claim(path)
		say("claim %v", err)
		// Still alive, so exit cannot have released the lock yet.
		if r, err := Read(path); err != nil {
			say("read %v", err)
		} else if _, ok := r.(NotHeld); ok {
			say("released")
		} else {
			say("held")
		}
		return 0
	case "exec":
		// Claim, then exec this binary as "idle-ready" (as "plant" with
		// arg "plant"), in the same process; with arg "keep" or "plant",
		// call KeepOnExec first.
		g, err := Claim(path)
		if err == nil && (arg == "keep" || arg == "plant") {
			err = g.KeepOnExec()
		}
		if err != nil {
			say("error %v", err)
			return 1
		}
		next := "idle-ready"
		if arg == "plant" {
			next = "plant"
		}
		env := append(testproc.Environ(), testproc.RoleEnv+"="+next, testproc.PathEnv+"="+path)
		err = syscall.Exec(os.Args[0], os.Args[:1], env)
		say("error %v", err)
		return 1
	case "plant":
		// After an exec that kept the lock: try to write "1" into path
		// through every inherited descriptor of it, and say "planted N"
		// or "refused N" for each, then "ready PID"; stdin closing ends it.
		var want unix.Stat_t
		if err := unix.Stat(path, &want); err != nil {
			say("error %v", err)
			return 1
		}
		for fd := 3; fd < 64; fd++ {
			var st unix.Stat_t
			if unix.Fstat(fd, &st) != nil || st.Dev != want.Dev || st.Ino != want.Ino {
				continue
			}
			_, err := unix.Pwrite(fd, []byte("1\n"), 0)
			if err == nil {
				err = unix.Ftruncate(fd, 2)
			}
			if err == nil {
				say("planted %d", fd)
			} else {
				say("refused %d", fd)
			}
		}
		say("ready %d", os.Getpid())
		io.Copy(io.Discard, in)
		return 0
	case "manylocks":
		// Hold arg flocks on as many files in the directory path, as the
		// other daemons of a busy host would, until stdin closes.
		n, _ := strconv.Atoi(arg)
		for i := range n {
			fd, err := unix.Open(fmt.Sprintf("%s/%d.lock", path, i), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
			if err == nil {
				err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
			}
			if err != nil {
				say("error %v", err)
				return 1
			}
		}
		say("ready %d", os.Getpid())
		io.Copy(io.Discard, in)
		return 0
	case "fds":
		// Lock path as flock(1) would, writing nothing, and hold arg's
		// number of other descriptors: opened after the pidfile, or before
		// it with a " last" suffix. Say "ready PID"; stdin closing ends it.
		count, where, _ := strings.Cut(arg, " ")
		n, _ := strconv.Atoi(count)
		others := func() error {
			for range n {
				if _, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
					return err
				}
			}
			return nil
		}
		var err error
		if where == "last" {
			err = others()
		}
		fd, oerr := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == nil {
			err = oerr
		}
		if err == nil {
			err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		}
		if err == nil && where != "last" {
			err = others()
		}
		if err != nil {
			say("error %v", err)
			return 1
		}
		say("ready %d", os.Getpid())
		io.Copy(io.Discard, in)
		return 0
	case "budget":
		return runBudgetHelper(path)
	case "inherit":
		// Claim, hand the locked descriptor to a child (which reads
		// its stdin from this process's fd 3), say "child PID" and exit.
		g, err := Claim(path)
		if err != nil {
			say("error %v", err)
			return 1
		}
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(testproc.Environ(), testproc.RoleEnv+"=idle")
		cmd.Stdin = os.NewFile(3, "stdin")
		cmd.ExtraFiles = []*os.File{os.NewFile(uintptr(g.f.fd), path)}
		if err := cmd.Start(); err != nil {
			say("error %v", err)
			return 1
		}
		say("child %d", cmd.Process.Pid)
		return 0
	case "handoff":
		// Lock path as a shell script would (with arg "write", also write
		// this process's PID), hand the descriptor to a child, close it
		// here, say "ready PID child CHILD", and stay alive as a decoy:
		// the lock table still names this process, which no longer holds
		// the lock.
		child := exec.Command(os.Args[0])
		child.Env = append(testproc.Environ(), testproc.RoleEnv+"=idle")
		childIn, err := testproc.HandOff(path, arg == "write", child)
		if err != nil {
			say("error %v", err)
			return 1
		}
		say("ready %d child %d", os.Getpid(), child.Process.Pid)
		for {
			l, err := in.ReadString('\n')
			if strings.TrimSpace(l) == "ping" {
				say("pong")
			}
			if err != nil {
				childIn.Close()
				child.Wait()
				return 0
			}
		}
	}
	if play, ok := osHelpers[role]; ok {
		return play(path, arg, in, say)
	}
	say("unknown role %q", role)
	return 2
}

// osHelpers are the roles of one system's tests, which add them in init.
var osHelpers = map[string]func(path, arg string, in *bufio.Reader, say func(string, ...any)) int{}

// setuid makes this process user uid, on every thread.
func setuid(uid string) error {
	n, err := strconv.Atoi(uid)
	if err != nil {
		return err
	}
	return syscall.Setuid(n)
}

// lockedElsewhere reports whether some open file description holds a lock on
// path, by trying a lock of our own on a new one. It is the witness for lock
// state that does not go through this package.
func lockedElsewhere(t *testing.T, path string) bool {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	switch err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err {
	case nil:
		return false
	case unix.EWOULDBLOCK:
		return true
	default:
		t.Fatal(err)
	}
	return false
}

// holdForeignLock locks path through a new open file description of this
// process, as a program that does not use this package would, and returns the
// function that releases it.
func holdForeignLock(t *testing.T, path string) func() {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			unix.Close(fd)
		}
	}
	t.Cleanup(release)
	return release
}

// startFlock makes util-linux flock(1) hold path, as user uid through
// setpriv(1) unless uid is 0, and returns once it holds it.
func startFlock(t *testing.T, path string, uid int) *helper {
	t.Helper()
	return testproc.StartFlock(t, path, uid)
}

// nobody is the user ID that tests act as when they need another user.
const nobody = 65534

// sharedDir returns a new directory that every user can reach, owned by uid
// and with mode perm.
func sharedDir(t *testing.T, uid int, perm os.FileMode) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.Chmod(filepath.Dir(dir), 0o755))
	must(t, os.Chown(dir, uid, uid))
	must(t, os.Chmod(dir, perm))
	return dir
}

// startHelperAs starts the test binary in role as user uid (and its group
// of the same number, no supplementary groups), from a copy that every user
// can run.
func startHelperAs(t *testing.T, uid int, role, path, arg string) *helper {
	t.Helper()
	bin := filepath.Join(sharedDir(t, 0, 0o755), "helper.test")
	copyFile(t, os.Args[0], bin)
	cmd := exec.Command(bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	return startHelperCmd(t, cmd, role, path, arg)
}
