//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package pidfile

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// errUnsupported is returned for every path on systems without flock(2).
var errUnsupported = fmt.Errorf("%w: this package needs flock(2), which %s does not have",
	errors.ErrUnsupported, runtime.GOOS)

func openPath(string, uint32) (file, error) {
	return file{}, errUnsupported
}

// The methods below are unreachable: openPath never returns a file here.

func (*file) tryLock(bool) (bool, error)   { return false, errUnsupported }
func (*file) unlock() error                { return errUnsupported }
func (*file) dropWriter() error            { return errUnsupported }
func (*file) readHead([]byte) (int, error) { return 0, errUnsupported }
func (*file) replace([]byte) error         { return errUnsupported }
func (*file) keepOnExec() error            { return errUnsupported }
func (*file) close() error                 { return errUnsupported }
func (*file) links() (uint64, error)       { return 0, errUnsupported }

func pathIdentity(string) (fileID, error) { return fileID{}, errUnsupported }

func pathOwner(string) (uid, perm uint32, ok bool) { return 0, 0, false }

func sameFileLocked(int, fileID) bool { return false }
func (f *file) replaceLockFD(int)     {}

func (f *file) duplicate() (*os.File, error) { return nil, errUnsupported }
