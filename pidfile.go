// Package pidfile makes "only one instance of this daemon runs" and "which
// process is the live instance?" exact on Unix.
//
// A daemon calls Claim at startup and keeps the returned Guard for its whole
// life. A supervisor calls Read (or Signal, or Wait) to learn whether an
// instance runs and which process it is.
//
// # The lock decides, not the file
//
// Claim takes an exclusive flock(2) on the pidfile and only then writes the
// caller's PID into it. The lock is the truth: the kernel releases it when the
// holder exits, however it exits, so a pidfile left behind by a crash is never
// mistaken for a running daemon, and no PID is ever guessed to be stale with
// kill(pid, 0). The content is only a label that names the holder.
//
// # Pidfiles are never removed
//
// This package never unlinks a pidfile, and callers must not either. Removing
// it looks tidy but lets two "single" instances run at once:
//
//  1. Daemon A holds the lock on x.pid and is shutting down.
//  2. Daemon B starts, opens x.pid and waits for the lock.
//  3. A removes x.pid, then exits; its lock goes away and B gets it.
//  4. B now holds a lock on a file that has no name any more.
//  5. Daemon C starts, creates a new x.pid, locks it (nobody holds this new
//     file) and runs beside B.
//
// A pidfile that stays in place costs a few bytes; after the holder exits,
// Read reports NotHeld and the next Claim reuses the file. Guard.Verify lets a
// running daemon notice that someone else removed or replaced its pidfile.
//
// # No fsync
//
// The content matters only while its writer holds the lock, and the lock dies
// with the process or the machine. After a crash nobody holds the lock and the
// content is ignored, so Claim never flushes it to disk: a claim costs a few
// system calls, not a disk round trip.
//
// # Limits
//
// The lock is advisory: it binds only programs that take it (this package,
// flock(1), and other flock users). A PID names a process only in the PID
// namespace of whoever wrote it; readers in other namespaces should not act on
// it. On NFS, flock is emulated with byte-range locks and is only as good as
// the server's lock manager. PIDs are reused after a process exits, so a PID
// read now may name another process later; Signal closes that race on Linux.
//
// Supported systems are Linux, macOS, FreeBSD, NetBSD, OpenBSD and DragonFly
// BSD. Elsewhere every function returns an error matching
// errors.ErrUnsupported.
package pidfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"time"
)

// The op of each error names the public call that failed.
const (
	opClaim  = "pidfile: claim"
	opRead   = "pidfile: read"
	opClose  = "pidfile: close"
	opVerify = "pidfile: verify"
	opKeep   = "pidfile: keep on exec"
)

// ErrLocked is the target for errors.Is when another process holds the lock
// on a pidfile. The error is a *LockedError that carries the holder's PID when
// it is known.
var ErrLocked = errors.New("pidfile: locked by another process")

// ErrInheritedLock is the target for errors.Is when the kernel says that the
// process that took a pidfile's lock has exited, yet the lock is still held:
// a process that inherited its descriptor (a child started without
// close-on-exec) holds it now, and no PID names the holder. Such errors also
// match ErrLocked.
var ErrInheritedLock = errors.New("pidfile: the process that took the lock has exited; an inheritor of its descriptor holds it")

// LockedError reports a pidfile that another process holds.
type LockedError struct {
	Path string
	// PID is the holder's PID, or 0 when no live process could be named:
	// the content was still not the PID of a live process after the write
	// window and the kernel could not tell. It is never negative.
	PID int
	// Err, if not nil, says more: why PID is 0 (matching ErrInvalidContent,
	// with the content quoted, when the content is not a PID, and
	// ErrInheritedLock when the kernel names a holder that has exited), or,
	// from ClaimContext, the context's error that ended the wait.
	Err error
}

// Error names the path and the holder, or says why the holder is unknown.
func (e *LockedError) Error() string {
	msg := "pidfile: " + e.Path + ": locked by "
	if e.PID > 0 {
		msg += "process " + strconv.Itoa(e.PID)
	} else {
		msg += "an unknown process"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Unwrap returns Err.
func (e *LockedError) Unwrap() error { return e.Err }

// writeWindow bounds how long a reader waits for a new holder to write its
// PID, between the holder's flock and its write. A healthy writer needs
// microseconds; this leaves room for a loaded machine without making a
// supervisor hang on a holder that never writes (like flock(1)).
const writeWindow = 50 * time.Millisecond

// Test hooks, nil outside tests.
var (
	testHookWriteWindow func() // Claim: lock held, PID not yet written
	testHookRetry       func() // a reader is about to wait for the write window
)

// Claim makes the calling process the holder of the pidfile at path.
//
// It creates the file if it is missing (mode 0644, less the umask), takes an
// exclusive, non-blocking flock(2) on it, and only then replaces the content
// with the caller's PID and a newline. The lock lasts until the Guard is
// closed or the process exits; dropping the Guard does not release it.
//
// If another process holds the lock, Claim returns a *LockedError (matching
// ErrLocked) with that process's PID, and the file is left exactly as it was.
// If writing fails, the lock is released and the error returned. Claim never
// removes the file, and refuses a path whose final component is a symbolic
// link, a directory, a FIFO, a device, a socket or a hard-linked file
// (ErrUnsafeFile).
func Claim(path string) (*Guard, error) {
	f, err := openFile(opClaim, path, true)
	if err != nil {
		return nil, err
	}
	holder, err := lockOrFindHolder(f, opClaim, path)
	if err != nil {
		f.close()
		return nil, err
	}
	if holder != nil {
		f.close()
		return nil, &LockedError{Path: path, PID: holder.PID}
	}
	if testHookWriteWindow != nil {
		testHookWriteWindow()
	}
	if err := writePID(f); err != nil {
		f.close()
		return nil, pathError(opClaim, path, fmt.Errorf("write PID: %w", err))
	}
	return &Guard{f: f, path: path}, nil
}

// ClaimContext is Claim that waits while another process holds the lock: for
// a restarted daemon whose old instance is still shutting down. It tries
// again as soon as the holder exits (on Linux, where it sleeps on a pidfd of
// the holder) or after a backoff of up to a quarter second.
//
// When ctx is done first, it returns a *LockedError whose Err is ctx's error,
// so the error matches both ErrLocked and ctx.Err(). It never blocks in
// flock, so nothing is left waiting for the lock after it returns.
func ClaimContext(ctx context.Context, path string) (*Guard, error) {
	delay := firstDelay
	for {
		g, err := Claim(path)
		var le *LockedError
		if !errors.As(err, &le) {
			return g, err
		}
		if err := waitTurn(ctx, le.PID, delay); err != nil {
			le.Err = err
			return nil, le
		}
		delay = min(2*delay, maxDelay)
	}
}

// selfPID is this process's PID. os.Getpid is a system call each time, and a
// Go process never forks without exec, so once is enough.
var selfPID = os.Getpid()

// writePID replaces f's content with this process's PID and a newline.
func writePID(f file) error {
	var buf [len("2147483647\n")]byte
	b := strconv.AppendInt(buf[:0], int64(selfPID), 10)
	return f.replace(append(b, '\n'))
}

// Guard holds the lock on a pidfile. It is returned by Claim and ClaimContext,
// and inside NotHeld by Read. The lock lasts until Close or until the process
// exits; a Guard that becomes unreachable keeps it (the Guard holds the raw
// descriptor, which no finalizer closes). A Guard's methods may be called from
// several goroutines.
type Guard struct {
	path string

	mu     sync.Mutex
	f      file
	closed bool
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
	if err := g.f.close(); err != nil {
		return pathError(opClose, g.path, err)
	}
	return nil
}

// ErrReplaced is the target for errors.Is when Verify finds that the path no
// longer names the file that the Guard locked.
var ErrReplaced = errors.New("pidfile: the path no longer names the locked file")

// Verify reports whether the Guard's path still names the file it locked. It
// returns nil if so, and an error matching ErrReplaced if the file was
// removed or another file was put in its place (an operator's rm, a tool that
// unlinks pidfiles): then the lock no longer keeps a second instance out,
// because that instance would create and lock a new file. A daemon can call
// Verify now and then and stop, or Claim again, when it fails.
//
// Verify on a closed Guard returns an error matching os.ErrClosed.
func (g *Guard) Verify() error {
	return g.useOpen(opVerify, func(f file) error {
		dev, ino, nlink, err := f.identity()
		if err != nil {
			return err
		}
		if nlink == 0 {
			return fmt.Errorf("%w: the locked file was removed", ErrReplaced)
		}
		pdev, pino, err := pathIdentity(g.path)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: the locked file was moved away", ErrReplaced)
		}
		if err != nil {
			return err
		}
		if pdev != dev || pino != ino {
			return fmt.Errorf("%w: another file took its place", ErrReplaced)
		}
		return nil
	})
}

// useOpen runs fn on the Guard's file while it is open, and names op and the
// path in fn's error. On a closed Guard it fails with os.ErrClosed.
func (g *Guard) useOpen(op string, fn func(file) error) error {
	if g == nil {
		return errNilGuard
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return pathError(op, g.path, os.ErrClosed)
	}
	if err := fn(g.f); err != nil {
		return pathError(op, g.path, err)
	}
	return nil
}

// KeepOnExec lets the lock survive an exec of this process: it clears
// close-on-exec on the Guard's descriptor, so that after syscall.Exec the new
// program holds the lock, and the pidfile, which names this process's PID,
// names it. This is how a wrapper claims a pidfile for a program that knows
// nothing of pidfiles (cmd/pidfile's run).
//
// Call it right before syscall.Exec. Until then, every child this process
// starts inherits the descriptor too and keeps the lock held after this
// process exits (see ErrInheritedLock). A program that closes every
// descriptor it did not open itself, as some daemons do at startup, releases
// the lock.
func (g *Guard) KeepOnExec() error {
	return g.useOpen(opKeep, file.keepOnExec)
}

// Result is what Read found: NotExist, NotHeld or LockedBy. The set is closed;
// a type switch over the three is exhaustive.
type Result interface{ result() }

// NotExist is the Result for a path where no file exists. Read created none.
type NotExist struct{}

// NotHeld is the Result for a pidfile that no process held. To find that out,
// Read took the lock itself: the caller now holds it and must Close Guard.
// Until then, Claim by anyone else fails. The content is untouched.
type NotHeld struct{ Guard *Guard }

// LockedBy is the Result for a pidfile that another process holds.
//
// The PID may stop naming the holder at any moment: the holder can exit and
// its PID be reused. Act on it with Signal, which checks, rather than with a
// plain kill.
type LockedBy struct {
	// PID is the holder's PID in the reader's PID namespace; always >= 1.
	PID int
	// Source says where PID came from.
	Source Source
}

// Source says where a PID in a LockedBy came from.
type Source int

const (
	// FromContent: the pidfile's content, which the holder wrote, named a
	// process that is alive.
	FromContent Source = iota
	// FromKernel: the kernel's lock table named the process that took the
	// lock (Linux), because the content named none that is alive: the holder
	// had not written yet, it writes no PID (flock(1)), or it died mid-write.
	FromKernel
)

// String returns "content" or "kernel", as cmd/pidfile's -json prints it.
func (s Source) String() string {
	switch s {
	case FromContent:
		return "content"
	case FromKernel:
		return "kernel"
	}
	return "Source(" + strconv.Itoa(int(s)) + ")"
}

func (NotExist) result() {}
func (NotHeld) result()  {}
func (LockedBy) result() {}

// Read tells whether a process holds the pidfile at path, and which.
//
// Read never creates a file: a missing path is NotExist. Otherwise it tries
// to take the lock without waiting: if it gets it, the result is NotHeld and
// the caller holds the lock until it closes the Guard; if another process
// holds it, the result is LockedBy with that process's PID.
//
// A new holder writes its PID just after it takes the lock. Read waits out
// that window for a few tens of milliseconds while the content is not the PID
// of a live process. If it then still names no live process, Read asks the
// kernel's lock table on Linux. Where that gives no answer, Read returns a
// *LockedError with PID 0 (matching ErrLocked, and ErrInvalidContent too if
// the content is not a PID). So a LockedBy always names a process that was
// alive when Read looked, never a PID < 1.
//
// One window remains on Linux: for microseconds after a new holder takes the
// lock, Read can name the previous holder if that process is still alive.
// Likewise, under a holder that never writes its PID (flock(1)), old content
// that names some other live process is believed. Read trusts live content
// so that its common path never reads the kernel's lock table, whose cost
// grows with every lock on the host. Signal checks the kernel and is not
// fooled.
//
// Read needs only read permission on the file. It refuses the same unsafe
// paths as Claim.
func Read(path string) (Result, error) {
	f, err := openFile(opRead, path, false)
	if err == errNoFile {
		return NotExist{}, nil
	}
	if err != nil {
		return nil, err
	}
	holder, err := lockOrFindHolder(f, opRead, path)
	if err != nil {
		f.close()
		return nil, err
	}
	if holder != nil {
		f.close()
		return *holder, nil
	}
	return NotHeld{&Guard{f: f, path: path}}, nil
}

// lockOrFindHolder tries to lock f. It returns nil if this process now holds
// the lock, and otherwise the holder. While the content names no live process
// it retries both the lock and the read until writeWindow has passed, then
// asks the kernel.
func lockOrFindHolder(f file, op, path string) (*LockedBy, error) {
	var buf [maxContent]byte
	var start time.Time
	wait := time.Millisecond
	for {
		locked, err := f.tryLock()
		if err != nil {
			return nil, pathError(op, path, fmt.Errorf("flock: %w", err))
		}
		if locked {
			return nil, nil
		}
		n, err := f.readHead(buf[:])
		if err != nil {
			return nil, pathError(op, path, fmt.Errorf("read: %w", err))
		}
		pid, perr := ParsePID(buf[:n])
		if perr == nil && processAlive(pid) {
			return &LockedBy{PID: pid, Source: FromContent}, nil
		}
		if start.IsZero() {
			start = time.Now()
		} else if time.Since(start) >= writeWindow {
			return holderAfterWindow(f, path, pid, perr)
		}
		if testHookRetry != nil {
			testHookRetry()
		}
		time.Sleep(wait)
		wait = min(2*wait, 10*time.Millisecond)
	}
}

// holderAfterWindow decides who holds f's lock once the write window passed
// with content that names no live process: pid and perr are what ParsePID
// said of the content last read.
func holderAfterWindow(f file, path string, pid int, perr error) (*LockedBy, error) {
	switch kpid, state := kernelHolder(f); state {
	case kernelLive:
		return &LockedBy{PID: kpid, Source: FromKernel}, nil
	case kernelStale:
		return nil, &LockedError{Path: path, Err: ErrInheritedLock}
	}
	if perr != nil {
		return nil, &LockedError{Path: path, Err: perr}
	}
	return nil, &LockedError{Path: path, Err: &deadHolderError{pid}}
}

// deadHolderError reports content that names a process that is not running
// while the lock is held: a writer slower than the window, a holder that
// writes no PID, or an inheritor of the lock. Reporting the PID would invite
// a signal to whatever process reuses it.
type deadHolderError struct{ pid int }

func (e *deadHolderError) Error() string {
	return "content names process " + strconv.Itoa(e.pid) + ", which is not running"
}

// kernelState is what the kernel's lock table says of a lock.
type kernelState int

const (
	kernelNoTable kernelState = iota // no lock table to ask
	kernelUnknown                    // the table lists no holder: it is not visible from this PID namespace
	kernelLive                       // a live process took the lock and still has the file open
	kernelStale                      // the process that took the lock is gone
)
