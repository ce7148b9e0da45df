package pidfile

// The lock-file layer on Windows. The lock is LockFileEx on one byte far past
// any content (lockOffset), so that other processes can still read the PID
// while the lock is held: Windows locks are mandatory for the bytes they
// cover. The file is opened without FILE_SHARE_DELETE, so while anyone has it
// open, nobody can delete or rename it: the unlink race that the package
// documentation tells cannot happen here. The handle is not inheritable, so
// a child never holds the lock.
//
// The file's owner and its access control list are not examined (uid and
// perm stay 0): on Windows the content of a pidfile is believed whoever could
// have written it. See the README.

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is where the one locked byte lies: 2^63-2. Far past any
// content, and below 2^63, which Windows (and wine, which mirrors such locks
// as POSIX locks only below 2^63) treats alike.
const lockOffset = math.MaxInt64 - 1

// openPath opens path for locking, creating it when perm is not 0 (the
// permission bits do not apply: the file gets the ACL its folder gives), and
// checks through the handle that it is a singly linked disk file. A final
// reparse point (a symbolic link, a junction) is opened as itself, never
// followed, and refused. With perm 0 a missing file is errNoFile, and a file
// this process may not write is opened read-only.
func openPath(path string, perm uint32) (file, error) {
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return file{}, err
	}
	create := perm != 0
	disposition := uint32(windows.OPEN_EXISTING)
	if create {
		disposition = windows.OPEN_ALWAYS
	}
	open := func(access uint32) (windows.Handle, error) {
		return windows.CreateFile(name, access, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil,
			disposition, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	}
	f := file{}
	h, err := open(windows.GENERIC_READ | windows.GENERIC_WRITE)
	if !create && err == windows.ERROR_ACCESS_DENIED {
		h, err = open(windows.GENERIC_READ)
	}
	if !create && (err == windows.ERROR_FILE_NOT_FOUND || err == windows.ERROR_PATH_NOT_FOUND) {
		return f, errNoFile
	}
	if err != nil {
		return f, openError(name, err)
	}
	f.fd = int(h)
	var info windows.ByHandleFileInformation
	if what := unsafeKind(h, &info); what != "" {
		windows.CloseHandle(h)
		return f, refuse(what)
	}
	f.id = fileID{uint64(info.VolumeSerialNumber), uint64(info.FileIndexHigh)<<32 | uint64(info.FileIndexLow)}
	f.mtime = info.LastWriteTime.Nanoseconds()
	return f, nil
}

// openError explains a failed open: a directory cannot be opened as a file,
// and is refused as it is on Unix.
func openError(name *uint16, err error) error {
	if attrs, aerr := windows.GetFileAttributes(name); aerr == nil && attrs&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		return refuse("is a directory")
	}
	return fmt.Errorf("open: %w", err)
}

// unsafeKind says why the open handle h is not usable as a pidfile, or "" if
// it is, and fills info, which the caller needs too: the file's information
// is asked for once.
func unsafeKind(h windows.Handle, info *windows.ByHandleFileInformation) string {
	if t, err := windows.GetFileType(h); err != nil || t != windows.FILE_TYPE_DISK {
		return "is not a file on disk (a device such as NUL or CON, a pipe, or a console)"
	}
	if err := windows.GetFileInformationByHandle(h, info); err != nil {
		return "cannot be examined (" + err.Error() + ")"
	}
	switch {
	case info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0:
		return "is a reparse point (a symbolic link or a junction), which is never followed"
	case info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0:
		return "is a directory"
	case info.NumberOfLinks != 1:
		return fmt.Sprintf("is a file with %d hard links", info.NumberOfLinks)
	}
	return ""
}

func (f *file) handle() windows.Handle { return windows.Handle(f.fd) }

// at is an OVERLAPPED that names an offset for a synchronous handle.
func at(off uint64) *windows.Overlapped {
	return &windows.Overlapped{Offset: uint32(off), OffsetHigh: uint32(off >> 32)}
}

// tryLock takes the lock without waiting: exclusive for a claim, shared for
// a reader, whose lock only tests that no claim holds one. It reports false
// when another handle, in this process or another, holds a lock that
// conflicts.
func (f *file) tryLock(exclusive bool) (bool, error) {
	flags := uint32(windows.LOCKFILE_FAIL_IMMEDIATELY)
	if exclusive {
		flags |= windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	err := windows.LockFileEx(f.handle(), flags, 0, 1, 0, at(lockOffset))
	switch err {
	case nil:
		return true, nil
	case windows.ERROR_LOCK_VIOLATION:
		return false, nil
	}
	return false, err
}

// readHead reads the start of the file into buf.
func (f *file) readHead(buf []byte) (int, error) {
	var n uint32
	err := windows.ReadFile(f.handle(), buf, &n, at(0))
	if err == windows.ERROR_HANDLE_EOF {
		err = nil
	}
	return int(n), err
}

// replace makes data the whole content of the file: it writes first and cuts
// the tail after, as on Unix.
func (f *file) replace(data []byte) error {
	for off := 0; off < len(data); {
		var n uint32
		if err := windows.WriteFile(windows.Handle(f.writerFD()), data[off:], &n, at(uint64(off))); err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		off += int(n)
	}
	return windows.Ftruncate(windows.Handle(f.writerFD()), int64(len(data)))
}

// pathOwner cannot tell: no owner is examined here (see openPath).
func pathOwner(string) (uid, perm uint32, ok bool) { return 0, 0, false }

// errNoExec is KeepOnExec's error: Windows replaces no process in place.
var errNoExec = fmt.Errorf("%w: Windows has no exec", errors.ErrUnsupported)

func (f *file) keepOnExec() error { return errNoExec }

// unlock releases a lock that tryLock took.
func (f *file) unlock() error { return windows.UnlockFileEx(f.handle(), 0, 1, 0, at(lockOffset)) }

// dropWriter does nothing: the one handle writes, and no exec can pass it on.
func (f *file) dropWriter() error { return nil }

// close releases the lock, then closes the handle: Windows may release the
// locks of a closed handle some time later, so the unlock comes first. A
// handle that holds no lock fails to unlock, which changes nothing.
func (f *file) close() error {
	windows.UnlockFileEx(f.handle(), 0, 1, 0, at(lockOffset))
	return windows.CloseHandle(f.handle())
}

// links returns the number of names the open file has now.
func (f *file) links() (uint64, error) {
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(f.handle(), &info); err != nil {
		return 0, err
	}
	return uint64(info.NumberOfLinks), nil
}

// pathIdentity returns the file that path names now, without following a
// final reparse point.
func pathIdentity(path string) (fileID, error) {
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return fileID{}, err
	}
	h, err := windows.CreateFile(name, 0, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return fileID{}, err
	}
	defer windows.CloseHandle(h)
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		return fileID{}, err
	}
	return fileID{uint64(info.VolumeSerialNumber), uint64(info.FileIndexHigh)<<32 | uint64(info.FileIndexLow)}, nil
}

// sameFileLocked: a process on Windows inherits no lock this package takes
// (its handles are not inheritable), so there is nothing to adopt.
func sameFileLocked(int, fileID) bool { return false }

func (f *file) replaceLockFD(int) {}

func (f *file) duplicate() (*os.File, error) { return nil, errNoExec }
