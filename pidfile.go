// Package pidfile makes "only one instance of this daemon runs" and "which
// process is the live instance?" exact on Unix and Windows.
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
// kill(pid, 0). The content is only a label that names the holder. Readers
// (Read, Signal, Wait) test the lock with a shared flock, which keeps claims
// out but never other readers: a reader is never taken for the holder.
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
// # Whom to believe
//
// A PID in a file that someone else could have written is a claim, not a
// fact: a user who owns a pidfile that root reads could write "1" into it and
// wait for root to signal init. So the content is believed only if nobody but
// the reader and root could have written it: the file is owned by the
// reader's effective user or by root, and grants no write access to its
// group or to others. In a file owned by another user (and writable by that
// user alone), a PID is believed where the system can show that the named
// process runs as that user (Linux, macOS): the user can then point at most
// at its own processes. A PID that names the reader itself is believed only
// while the reader holds a Guard on the file.
//
// Otherwise the kernel's lock table names the holder (Linux): the process
// that took the lock, if it is seen to have the file open still, or, where a
// reader may not see its descriptors, if it started before the content of a
// file that nobody else could have written last changed (a PID reused since
// names a process that started later); never the reader itself, unless it
// holds a Guard. Where there is no table, or /proc belongs to another PID
// namespace than the reader's, or the table names no holder visible from
// here, the holder stays unnamed: a *LockedError with PID 0 that matches
// ErrUntrustedContent. Claim refuses to claim a file that it would not
// believe. Debian's
// start-stop-daemon applies the same rule to pidfiles, and systemd believes a
// PID from a file that an unprivileged user could write only for a process in
// the service's own cgroup.
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
// read now may name another process later; Signal closes that race on Linux
// and Windows.
//
// Supported systems are Linux, macOS, FreeBSD, NetBSD, OpenBSD, DragonFly BSD
// and Windows. Elsewhere every function returns an error matching
// errors.ErrUnsupported.
//
// # Windows
//
// The lock is LockFileEx on one byte far past the content, so that the PID
// stays readable while the lock is held. The file is opened without
// FILE_SHARE_DELETE: while anyone has it open, nobody can remove or rename
// it, so the race above cannot start. A crashed holder's lock goes with its
// process, and a PID is pinned by a process handle before Signal acts on it.
// Windows has no signals: Signal terminates the holder for os.Kill, checks it
// for syscall.Signal(0), and refuses anything else; there is no exec, so
// KeepOnExec is unsupported. The owner and access control list of a pidfile
// are not examined: its content is believed whoever could have written it,
// so keep pidfiles in a folder that only the daemon's account may write.
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
// process that took a pidfile's lock has exited, or has closed the file while
// the lock is still held: a process that inherited its descriptor (a child
// started without close-on-exec) holds it now, and no PID names the holder.
// Such errors also match ErrLocked.
var ErrInheritedLock = errors.New("pidfile: the process that took the lock has exited or let go of the file; a process that inherited its descriptor holds it")

// LockedError reports a pidfile that another process holds.
type LockedError struct {
	Path string
	// PID is the holder's PID, named as Read names it, or 0 when no live
	// process could be named. It is never negative.
	PID int
	// Err, if not nil, says more: why PID is 0 (matching ErrInvalidContent,
	// with the content quoted, when the content is not a PID;
	// ErrUntrustedContent when another user could have written it; and
	// ErrInheritedLock when the kernel names a holder that has exited or let
	// go of the file), or, from ClaimContext, the context's error that ended
	// the wait.
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

// Claim makes the calling process the holder of the pidfile at path. It is
// Claimer{}.Claim: a new file gets mode 0644, less the umask.
//
// It creates the file if it is missing, takes an exclusive, non-blocking
// flock(2) on it, and only then replaces the content with the caller's PID
// and a newline. The lock lasts until the Guard is closed or the process
// exits; dropping the Guard does not release it. Where only readers hold the
// file (their shared locks last microseconds), Claim waits for them, up to a
// second, rather than fail.
//
// On Unix the lock is taken on a read-only open file description of the
// file, and the PID written through a second, writable one that is closed
// before Claim returns: the Guard holds no descriptor that can change the
// content (see KeepOnExec).
//
// If another process holds the lock, Claim returns a *LockedError (matching
// ErrLocked) that names the holder as Read would, and the file is left
// exactly as it was. If writing the PID fails, the lock is released and the
// error returned; what was written may stay in the file, where, with nobody
// holding the lock, it means nothing. Claim never removes the file.
//
// Claim refuses (ErrUnsafeFile), before it locks or writes anything, a path
// whose final component is a symbolic link, a directory, a FIFO, a device, a
// socket or a hard-linked file, and an existing file whose content Read would
// not believe: one owned by a user other than the caller and root, or
// writable by its group or by others.
func Claim(path string) (*Guard, error) {
	return Claimer{}.Claim(path)
}

// ClaimContext is Claimer{}.ClaimContext.
func ClaimContext(ctx context.Context, path string) (*Guard, error) {
	return Claimer{}.ClaimContext(ctx, path)
}

// A Claimer claims pidfiles with options. Its zero value is what Claim and
// ClaimContext use.
type Claimer struct {
	// Perm is the permission bits that Claim gives a file it creates, less
	// the umask; an existing file keeps its own (on Windows a new file gets
	// the access control list of its folder instead). Zero means 0644. It
	// must grant the owner read and write access, so that the owner can claim
	// the file again, and may grant others read access (0644, 0640, 0600) but
	// nothing more: nobody but the owner may write a pidfile, and nobody may
	// execute it.
	//
	// Anyone who may read the file may also lock it, since flock needs only
	// an open descriptor: with 0644, any local user can hold a stopped
	// daemon's pidfile and keep the daemon from starting. 0600 or 0640
	// closes that door, at a price: a user who may not read the file cannot
	// learn the holder (Read fails with a permission error), so a status
	// check must then run as root, as the owner or, with 0640, in the group.
	Perm fs.FileMode
}

// defaultPerm is the mode of a new pidfile when Claimer.Perm is zero.
const defaultPerm = 0o644

// Claim is the package's Claim, creating a missing file with c.Perm.
func (c Claimer) Claim(path string) (*Guard, error) {
	perm := c.Perm
	if perm == 0 {
		perm = defaultPerm
	}
	if perm&^defaultPerm != 0 || perm&0o600 != 0o600 {
		return nil, pathError(opClaim, path, fmt.Errorf("%w: Claimer.Perm %v: want read and write for the owner (who must reopen the file to claim it again), and at most read access for others",
			os.ErrInvalid, perm))
	}
	f, err := openFile(opClaim, path, uint32(perm))
	if err != nil {
		return nil, explainDenied(path, err)
	}
	if err := claimable(f, opClaim, path); err != nil {
		f.close()
		return nil, err
	}
	holder, err := lockOrFindHolder(&f, opClaim, path, true, askFast)
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
	if err := writePID(&f); err != nil {
		f.close()
		return nil, pathError(opClaim, path, fmt.Errorf("write PID: %w", err))
	}
	if err := f.dropWriter(); err != nil {
		f.close()
		return nil, pathError(opClaim, path, fmt.Errorf("close the writable descriptor: %w", err))
	}
	return newGuard(f, path, true), nil
}

// ClaimContext is Claim that waits while another process holds the lock: for
// a restarted daemon whose old instance is still shutting down. It tries
// again as soon as the holder exits (on Linux, where it sleeps on a pidfd of
// the holder, and on Windows, on a handle of it) or after a backoff of up to
// a quarter second.
//
// When ctx is done first, it returns a *LockedError whose Err is ctx's error,
// so the error matches both ErrLocked and ctx.Err(). It never blocks in
// flock, so nothing is left waiting for the lock after it returns.
func (c Claimer) ClaimContext(ctx context.Context, path string) (*Guard, error) {
	delay := firstDelay
	for {
		g, err := c.Claim(path)
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
func writePID(f *file) error {
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
	return g.useOpen(opVerify, func(f *file) error {
		nlink, err := f.links()
		if err != nil {
			return fmt.Errorf("fstat: %w", err)
		}
		if nlink == 0 {
			return fmt.Errorf("%w: the locked file was removed", ErrReplaced)
		}
		now, err := pathIdentity(g.path)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: the locked file was moved away", ErrReplaced)
		}
		if err != nil {
			return fmt.Errorf("lstat: %w", err)
		}
		if now != f.id {
			return fmt.Errorf("%w: another file took its place", ErrReplaced)
		}
		return nil
	})
}

// useOpen runs fn on the Guard's file while it is open, and names op and the
// path in fn's error. On a closed Guard it fails with os.ErrClosed.
func (g *Guard) useOpen(op string, fn func(*file) error) error {
	if g == nil {
		return errNilGuard
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return pathError(op, g.path, os.ErrClosed)
	}
	if err := fn(&g.f); err != nil {
		return pathError(op, g.path, err)
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

// Result is what Read found: NotExist, NotHeld or LockedBy. The set is closed;
// a type switch over the three is exhaustive.
type Result interface{ result() }

// NotExist is the Result for a path where no file exists. Read created none.
type NotExist struct{}

// NotHeld is the Result for a pidfile that no process held. To find that out,
// Read took a shared lock itself: the caller now holds it and must Close
// Guard. Until then, Claim by anyone else fails (after waiting up to a second
// for the lock to go); other readers may hold such a lock at the same time.
// The content is untouched.
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
	// FromContent: the pidfile's content named a live process, and the
	// content is believed: nobody but the reader and root could have
	// written it, or the one other user who could have runs that process
	// (see "Whom to believe" in the package documentation).
	FromContent Source = iota
	// FromKernel: the kernel's lock table named the process that took the
	// lock (Linux). Read asks it when the content names no live process
	// that it believes: the holder had not written yet, it writes no PID
	// (flock(1)), it died mid-write, or another user could have written the
	// content. ReadExact asks it always.
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

// Read tells whether a process holds the pidfile at path, and which. It is
// the fast answer, for a daemon or supervisor that reads its own pidfiles;
// ReadExact is the exact one, for tools that report on anyone's.
//
// Read never creates a file: a missing path is NotExist. Otherwise it tries
// to take a shared lock without waiting: if it gets it, nobody holds the
// pidfile, the result is NotHeld and the caller holds the shared lock until
// it closes the Guard; if a claim holds the exclusive lock, the result is
// LockedBy with the holder's PID.
//
// The PID is the content's if the content names a live process and is
// believed (see "Whom to believe" in the package documentation): then Read
// makes six system calls and never reads the kernel's lock table, whose cost
// grows with every lock on the host. Otherwise, on Linux, the lock table
// names the holder. Where it cannot (no table, or a holder in another PID
// namespace), Read waits a few tens of milliseconds for a new holder to write
// its PID, then returns a *LockedError with PID 0 that says why (matching
// ErrLocked, and also ErrInvalidContent for content that is not a PID,
// ErrUntrustedContent for content it does not believe, or ErrInheritedLock).
// It does not wait where waiting cannot change the answer. So a LockedBy
// always names a process that was alive when Read looked, never a PID < 1.
//
// Content that names the caller itself is believed only while the caller
// holds a Guard on the file; otherwise it is left over from a Guard the caller
// has closed, and the new holder has not written yet.
//
// Two corners remain where believed content can name a process that no
// longer holds the lock, for a reader that does not ask the table: for
// microseconds after a new holder takes the lock, the previous holder, if it
// is still alive; and a process that wrote its PID, then handed its
// descriptor to a child and closed its own (or exited, and its PID was
// reused). ReadExact and Signal ask the kernel and are not fooled.
//
// Read needs only read permission on the file. It refuses the same kinds of
// file as Claim (ErrUnsafeFile), but reads a file that other users could
// write, believing its content only as described.
func Read(path string) (Result, error) {
	return read(opRead, path, askFast)
}

// ReadExact is Read that takes the holder from the kernel's lock table
// wherever the system has one (Linux, with /proc mounted), never from the
// content alone: a LockedBy then has Source FromKernel and names the process
// that /proc/locks and lslocks(8) name, once it is confirmed (see "Whom to
// believe"; a process that handed its descriptor on and closed its own is not
// named, see ErrInheritedLock). A holder that the table names but that cannot
// be confirmed is never named, nor is any where /proc belongs to another PID
// namespace. Where the table names no holder visible from here, or there is
// none, ReadExact answers as Read does.
//
// Use ReadExact to show a PID to a person or to another program, and
// wherever the content may be older or less trustworthy than the lock (a
// holder such as flock(1) that writes no PID, a file other users could
// write); cmd/pidfile's status and pid use it. It costs a read of the lock
// table, whose length is every lock on the host (see the README's figures).
// Use Read on a hot path for pidfiles of your own. To signal the holder, use
// Signal, which checks again just before it signals.
func ReadExact(path string) (Result, error) {
	return read(opRead, path, askExact)
}

func read(op, path string, ask asking) (Result, error) {
	f, err := openFile(op, path, 0)
	if err == errNoFile {
		return NotExist{}, nil
	}
	if err != nil {
		return nil, err
	}
	holder, err := lockOrFindHolder(&f, op, path, false, ask)
	if err != nil {
		f.close()
		return nil, err
	}
	if holder != nil {
		f.close()
		return *holder, nil
	}
	return NotHeld{newGuard(f, path, false)}, nil
}
