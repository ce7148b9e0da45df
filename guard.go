package pidfile

// The Guard: what holds a lock, and what this process knows it holds.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"sync"
)

// Guard holds the lock on a pidfile. It is returned by Claim and ClaimContext,
// and inside NotHeld by Read. The lock lasts until Close or until the process
// exits; a Guard that becomes unreachable keeps it (the Guard holds the raw
// descriptor, which no finalizer closes). A Guard's methods may be called from
// several goroutines.
type Guard struct {
	path string

	mu      sync.Mutex
	f       file
	closed  bool
	claimed bool // by Claim, not by Read
}

// held counts the Guards of this process by the file they lock, so that
// content naming this process can be told from content left behind by a
// Guard it has closed (trust.go). A process holds at most one lock on a file,
// but counting costs nothing and assumes nothing.
var held = struct {
	sync.Mutex
	files map[fileID]int
}{files: make(map[fileID]int)}

// newGuard makes a Guard for f, whose lock this process now holds; claimed
// for Claim's exclusive lock, which the registry counts, and not for Read's
// shared one.
func newGuard(f file, path string, claimed bool) *Guard {
	if claimed {
		held.Lock()
		held.files[f.id]++
		held.Unlock()
	}
	return &Guard{f: f, path: path, claimed: claimed}
}

// forgetGuard undoes newGuard for a Guard on the file id.
func forgetGuard(id fileID) {
	held.Lock()
	defer held.Unlock()
	if held.files[id]--; held.files[id] <= 0 {
		delete(held.files, id)
	}
}

// holdsGuard reports whether this process holds a Guard on the file id.
func holdsGuard(id fileID) bool {
	held.Lock()
	defer held.Unlock()
	return held.files[id] > 0
}

// Path returns the path that the Guard was created with.
func (g *Guard) Path() string {
	if g == nil {
		return ""
	}
	return g.path
}

// errNilGuard is returned by the methods of a nil *Guard, as *os.File's
// methods return os.ErrInvalid, rather than panicking.
var errNilGuard = fmt.Errorf("pidfile: nil *Guard: %w", os.ErrInvalid)

// Close releases the lock. It never removes or changes the file: the next
// holder reuses it. Calls after the first do nothing and return nil.
func (g *Guard) Close() error {
	if g == nil {
		return errNilGuard
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	if g.claimed {
		forgetGuard(g.f.id)
	}
	if err := g.f.close(); err != nil {
		return failure(opClose, g.path, err)
	}
	return nil
}

// Verify reports whether the Guard's path still names the file it locked. It
// returns nil if so, and an error matching ErrReplaced if the file was
// removed or another file was put in its place (an operator's rm, a tool that
// unlinks pidfiles): then the lock no longer keeps a second instance out,
// because that instance would create and lock a new file. A daemon can call
// Verify now and then and stop, or Claim again, when it fails.
//
// Verify on a closed Guard returns an error matching os.ErrClosed.
func (g *Guard) Verify() error {
	return g.useOpen(opVerify, func(f *file) error {
		nlink, err := f.links()
		if err != nil {
			return fmt.Errorf("fstat: %w", err)
		}
		if nlink == 0 {
			return replacedError{"the locked file was removed"}
		}
		now, err := pathIdentity(g.path)
		if errors.Is(err, fs.ErrNotExist) {
			return replacedError{"the locked file was moved away"}
		}
		if err != nil {
			return fmt.Errorf("lstat: %w", err)
		}
		if now != f.id {
			return replacedError{"another file took its place"}
		}
		return nil
	})
}

// useOpen runs fn on the Guard's file while it is open, and makes fn's error
// the one of the call op. On a closed Guard it fails with os.ErrClosed.
func (g *Guard) useOpen(op string, fn func(*file) error) error {
	if g == nil {
		return errNilGuard
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return failure(op, g.path, os.ErrClosed)
	}
	if err := fn(&g.f); err != nil {
		return failure(op, g.path, err)
	}
	return nil
}

// KeepOnExec lets the lock survive an exec of this process (Unix; on
// Windows, which has no exec, it returns an error matching
// errors.ErrUnsupported): it clears
// close-on-exec on the Guard's descriptor, so that after syscall.Exec the new
// program holds the lock, and the pidfile, which names this process's PID,
// names it. This is how a wrapper claims a pidfile for a program that knows
// nothing of pidfiles (cmd/pidfile's run). The descriptor is read-only, so a
// program run as a less privileged user after the claim cannot change what
// the file says (except on NFS, where an exclusive flock needs a writable
// descriptor).
//
// Call it right before syscall.Exec. Until then, every child this process
// starts inherits the descriptor too and keeps the lock held after this
// process exits (see ErrInheritedLock). A program that closes every
// descriptor it did not open itself, as some daemons do at startup, releases
// the lock.
func (g *Guard) KeepOnExec() error {
	return g.useOpen(opKeep, (*file).keepOnExec)
}

// ExecEnv does what KeepOnExec does, and returns "PIDFILE_FD=N"
// (InheritedLockEnv), N being the Guard's descriptor: put it in the
// environment of the program that this process executes in its own place,
// and that program's Claim on the same path adopts the lock rather than
// finding it held (Unix; on Windows an error matching
// errors.ErrUnsupported).
func (g *Guard) ExecEnv() (string, error) {
	var env string
	err := g.useOpen(opKeep, func(f *file) error {
		if err := f.keepOnExec(); err != nil {
			return err
		}
		env = InheritedLockEnv + "=" + strconv.Itoa(f.fd)
		return nil
	})
	return env, err
}

// Handoff starts cmd holding the lock too, for a successor that takes over
// without a moment in which nobody holds it (an upgrade that re-executes a
// new binary): a duplicate of the Guard's descriptor is appended to
// cmd.ExtraFiles, InheritedLockEnv naming it to cmd.Env (os.Environ() if
// nil), and cmd is started; the duplicate is closed here once cmd has it.
// When the successor calls Claim on the same path, it adopts the lock and
// writes its PID; until then the pidfile names this process, which still
// holds the lock too. Close this Guard once the successor says it is ready
// (or, if it fails, keep running as the holder). A successor that never
// calls Claim holds the lock all the same for as long as it (or a child
// that inherited the descriptor) runs. Unix; on Windows an error matching
// errors.ErrUnsupported.
func (g *Guard) Handoff(cmd *exec.Cmd) error {
	return g.useOpen(opHandoff, func(f *file) error {
		if !g.claimed {
			return fmt.Errorf("%w: a Guard from Read holds a shared lock, which is nobody's to hand on", os.ErrInvalid)
		}
		dup, err := f.duplicate()
		if err != nil {
			return err
		}
		defer dup.Close()
		if cmd.Env == nil {
			cmd.Env = os.Environ()
		}
		cmd.ExtraFiles = append(cmd.ExtraFiles, dup)
		cmd.Env = append(cmd.Env, InheritedLockEnv+"="+strconv.Itoa(2+len(cmd.ExtraFiles)))
		return cmd.Start()
	})
}
