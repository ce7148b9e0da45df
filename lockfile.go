package pidfile

// This file and its platform files are the lock-file layer: open a path
// safely, take an exclusive flock or test it with a shared one, read the
// head of the file, replace its content. Nothing here knows what a PID is,
// or whom to believe.
//
// The layer holds raw descriptors, never *os.File: an *os.File has a
// finalizer that closes its descriptor when the garbage collector finds it
// unreachable, and closing the descriptor releases the flock. A pidfile lock
// must end only when its owner says so or exits.

import (
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// errEmptyPath is the error for an empty path: an unset variable in a
// script must not read as "no pidfile, so nothing runs".
var errEmptyPath = fmt.Errorf("%w: empty path", fs.ErrInvalid)

// openFile is openPath (see the platform files), which it spares an empty
// path.
func openFile(path string, perm uint32) (file, error) {
	if path == "" {
		return file{}, errEmptyPath
	}
	return openPath(path, perm)
}

// errNoFile is what openFile returns, unwrapped, for a missing file when it
// may not create one: Read turns it into NotExist without building an error.
var errNoFile = errors.New("pidfile: no such file")

// unsafeError says what a refused path is, and wraps the system's error when
// the system refused it first.
type unsafeError struct {
	what  string
	cause error
}

func (e *unsafeError) Error() string {
	msg := e.what + "; refusing to use it as a pidfile"
	if e.cause != nil {
		msg += " (open: " + e.cause.Error() + ")"
	}
	return msg
}
func (e *unsafeError) Is(target error) bool { return target == ErrUnsafeFile }
func (e *unsafeError) Unwrap() error        { return e.cause }
func refuse(what string) error              { return &unsafeError{what: what} }

// file is one open file description of a lock file. The flock, if taken, is
// owned by the description, so it lasts until close (or until every process
// that inherited the descriptor closed it; the layer opens with close-on-exec
// so that only an explicit hand-over can do that).
type file struct {
	// fd is the description that takes the lock (on Windows, the handle).
	// For Claim on Unix it is opened read-only, so that the descriptor a
	// Guard passes across exec (KeepOnExec) lets the new program hold the
	// lock but not change the content: a daemon started as a less
	// privileged user must not be able to write another PID into its
	// privileged caller's pidfile.
	fd int
	// writer, if hasWriter, is a second, writable description of the same
	// file through which Claim writes the PID (Unix); dropWriter closes it
	// before the Guard is returned. Without one, fd is written.
	writer    int
	hasWriter bool
	// What the fstat at open found: the file's identity, its owner, its
	// permission bits and when its content last changed (nanoseconds since
	// the epoch). trust.go decides from them whom to believe.
	id    fileID
	uid   uint32
	perm  uint32
	mtime int64
}

// writerFD is the descriptor that replace writes.
func (f *file) writerFD() int {
	if f.hasWriter {
		return f.writer
	}
	return f.fd
}

// fileID names a file on this host: its device and inode numbers.
type fileID struct{ dev, ino uint64 }

// errReadersHold is lockExclusive's error when nothing but shared locks,
// which only readers take, kept it out for longer than readerGrace.
var errReadersHold = errors.New("shared locks (readers) kept it held for longer than " + readerGrace.String())

// readerGrace bounds how long lockExclusive waits for readers to let go of
// their shared locks: they hold them for microseconds (Read, Signal and
// Wait), so this is only ever reached by a NotHeld Guard kept open, or by
// flock -s.
const readerGrace = time.Second

// lockExclusive takes f's exclusive lock for a claim. Readers hold a shared
// lock for an instant to test it; a claim that meets only those waits for
// them to go instead of failing: a reader must never make a claim fail.
func lockExclusive(f *file) (bool, error) {
	var start time.Time
	wait := 100 * time.Microsecond
	for {
		if locked, err := f.tryLock(true); locked || err != nil {
			return locked, err
		}
		// A shared lock is refused only by an exclusive one: a claim.
		if shared, err := f.tryLock(false); !shared || err != nil {
			return false, err
		}
		if err := f.unlock(); err != nil {
			return false, err
		}
		if start.IsZero() {
			start = time.Now()
		} else if time.Since(start) >= readerGrace {
			return false, errReadersHold
		}
		time.Sleep(wait)
		wait = min(2*wait, 5*time.Millisecond)
	}
}
