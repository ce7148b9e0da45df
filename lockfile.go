package pidfile

// This file and its platform files are the lock-file layer: open a path
// safely, take or test an exclusive flock, read the head of the file, replace
// its content. Nothing here knows what a PID is.
//
// The layer holds raw descriptors, never *os.File: an *os.File has a
// finalizer that closes its descriptor when the garbage collector finds it
// unreachable, and closing the descriptor releases the flock. A pidfile lock
// must end only when its owner says so or exits.

import (
	"errors"
	"io/fs"
)

// ErrUnsafeFile is the target for errors.Is when Claim or Read refuse a path
// because its final component is not a regular file with exactly one link: a
// symbolic link (never followed), a directory, a FIFO, a device, a socket, or
// a hard-linked file. Nothing is written to such a path and nothing is read
// from it.
var ErrUnsafeFile = errors.New("pidfile: not a regular, singly linked file")

// errNoFile is what openFile returns, unwrapped, for a missing file when it
// may not create one: Read turns it into NotExist without building an error.
var errNoFile = errors.New("pidfile: no such file")

// unsafeError says what a refused path is.
type unsafeError struct{ what string }

func (e *unsafeError) Error() string        { return e.what + "; refusing to use it as a pidfile" }
func (e *unsafeError) Is(target error) bool { return target == ErrUnsafeFile }
func refuse(op, path, what string) error    { return pathError(op, path, &unsafeError{what}) }
func pathError(op, path string, err error) error {
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// file is one open file description of a lock file. The flock, if taken, is
// owned by the description, so it lasts until close (or until every process
// that inherited the descriptor closed it; the layer opens with close-on-exec
// so that only an explicit hand-over can do that).
type file struct {
	fd int
	// readOnly marks a descriptor opened without write permission: enough
	// to test the lock, not to write.
	readOnly bool
}
