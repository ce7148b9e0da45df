package pidfile

// The errors of the package: its sentinels for errors.Is, and LockedError.

import (
	"errors"
	"io/fs"
	"strconv"
)

// The op of each error names the exported call that failed. Errors are made
// once, there (failure): the layers below return bare errors, with neither
// the call nor the path, and the package's name stands once in a message.
const (
	opClaim   = "claim"
	opRead    = "read"
	opSignal  = "signal"
	opWait    = "wait"
	opStop    = "stop"
	opHandoff = "hand off"
	opClose   = "close"
	opVerify  = "verify"
	opKeep    = "keep on exec"
)

// failure makes the one error that an exported call returns from the bare
// error of the layers below: a *LockedError where another process holds the
// lock (heldError), and an *fs.PathError whose Op is "pidfile: " and the
// call otherwise.
func failure(op, path string, err error) error {
	var h *heldError
	if errors.As(err, &h) {
		return &LockedError{Path: path, PID: h.pid, Err: h.why, op: op}
	}
	return &fs.PathError{Op: "pidfile: " + op, Path: path, Err: err}
}

// heldError is what the layers below return for a lock that another process
// holds: the holder, where it may be named, or why not.
type heldError struct {
	pid int
	why error
}

func (e *heldError) Error() string {
	if e.why != nil {
		return "locked: " + e.why.Error()
	}
	return "locked by process " + strconv.Itoa(e.pid)
}

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
	// go of the file), or, from ClaimContext and Wait, the context's error
	// that ended the wait.
	Err error

	op string // the call that failed
}

// Error names the call, the path and the holder, or says why the holder is
// unknown.
func (e *LockedError) Error() string {
	msg := "pidfile: "
	if e.op != "" {
		msg += e.op + " "
	}
	msg += e.Path + ": locked by "
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

// ErrUnsafeFile is the target for errors.Is when a path is refused: by every
// call when its final component is not a regular file with exactly one link
// (a symbolic link, which is never followed, a directory, a FIFO, a device, a
// socket, or a hard-linked file; on Windows a reparse point, a directory,
// anything that is not a file on disk, such as NUL, or a hard-linked file),
// and by Claim also when the file is one
// whose content Read would not believe: owned by a user other than the
// caller and root, or writable by its group or by others. Nothing is written
// to a refused path, nothing is read from it, and no lock is left on it.
var ErrUnsafeFile = errors.New("pidfile: unsafe pidfile")

// ErrUntrustedContent is the target for errors.Is when a pidfile is held, its
// content could have been written by a user other than the reader and root,
// and nothing more trustworthy names the holder: the system has no lock
// table, or its table names no holder visible from here. Such errors are a
// *LockedError with PID 0, so they match ErrLocked too.
var ErrUntrustedContent = errors.New("pidfile: content that another user could have written")

// ErrNotRunning is the target for errors.Is when Signal finds that no process
// holds the pidfile (or that there is no file). No signal was sent.
var ErrNotRunning = errors.New("pidfile: not running")

// ErrReplaced is the target for errors.Is when Verify finds that the path no
// longer names the file that the Guard locked.
var ErrReplaced = errors.New("pidfile: the path no longer names the locked file")

// inheritedError is ErrInheritedLock as a reason inside another error, which
// says "pidfile:" already.
type inheritedError struct{}

func (inheritedError) Error() string {
	return "the process that took the lock has exited or let go of the file; a process that inherited its descriptor holds it"
}
func (inheritedError) Is(target error) bool { return target == ErrInheritedLock }

// notRunningError is ErrNotRunning as Signal's reason.
type notRunningError struct{ why string }

func (e notRunningError) Error() string      { return "not running: " + e.why }
func (notRunningError) Is(target error) bool { return target == ErrNotRunning }

// replacedError is ErrReplaced as Verify's reason.
type replacedError struct{ what string }

func (e replacedError) Error() string      { return "the path no longer names the locked file: " + e.what }
func (replacedError) Is(target error) bool { return target == ErrReplaced }

// The reasons that trust.go gives for naming no holder.

// errSelfStale is content that names the calling process, which holds no
// Guard on the file.
var errSelfStale = errors.New("content names this process, which does not hold the lock")

// deadHolderError reports content that names a process that is not running
// while the lock is held: a writer slower than the window, a holder that
// writes no PID, or an inheritor of the lock. Reporting the PID would invite
// a signal to whatever process reuses it.
type deadHolderError struct{ pid int }

func (e *deadHolderError) Error() string {
	return "content names process " + strconv.Itoa(e.pid) + ", which is not running"
}

// untrustedError reports content that is not believed because of who could
// have written it.
type untrustedError struct {
	pid    int
	reason string
}

func (e *untrustedError) Error() string {
	return "content names process " + strconv.Itoa(e.pid) + ", which is not believed: " +
		e.reason + "; no lock table names the holder"
}

func (e *untrustedError) Is(target error) bool { return target == ErrUntrustedContent }

// errForeignProc is the reason for an unnamed holder when /proc belongs to
// another PID namespace than the caller's (locktable_linux.go tells).
var errForeignProc = errors.New("/proc belongs to another PID namespace than this process's, so no PID it gives names a process here")

// unconfirmedError reports a holder that the lock table names but that could
// not be confirmed: its PID may have been reused.
type unconfirmedError struct{ pid int }

func (e *unconfirmedError) Error() string {
	return "the kernel's lock table names process " + strconv.Itoa(e.pid) +
		", which this user cannot see holds the lock, and which may have reused the PID of the process that took the lock"
}

// errNotVisible is the reason of Signal and ReadExact where the lock table
// names no holder that this process can see: the content's PID may name
// someone else here.
var errNotVisible = errors.New("the kernel's lock table names no holder visible from here (another PID namespace?)")

// notLeaderError is SignalGroup's reason for signalling nobody.
type notLeaderError struct{ pid int }

func (e *notLeaderError) Error() string {
	return "the holder, process " + strconv.Itoa(e.pid) + ", does not lead its process group; nobody was signalled"
}
