//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"golang.org/x/sys/unix"
)

// openPath opens path for locking, creating it with the permission bits
// perm (less the umask) when perm is not 0, and checks through the
// descriptor that it is a regular file with one link. The final component is
// never followed if it is a symbolic link. With perm 0 (a reader) the file is
// opened read-only, and a missing file is errNoFile.
//
// With perm (Claim), the path is opened for writing, which also tells at once
// whether this process may write it, and a second, read-only description of
// the same file becomes the one that locks (see file.fd); the writable one
// is kept only until dropWriter.
//
// O_NONBLOCK keeps open from waiting for a FIFO's other end; it changes
// nothing for the regular files that pass the check.
func openPath(path string, perm uint32) (file, error) {
	create := perm != 0
	flags := unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY
	if create {
		flags |= unix.O_RDWR | unix.O_CREAT
	}
	f := file{}
	fd, err := open(path, flags, perm)
	if err == unix.ENOENT && !create {
		return f, errNoFile
	}
	if err != nil {
		return f, openError(path, err)
	}
	var st unix.Stat_t
	if err := fstat(fd, &st); err != nil {
		unix.Close(fd)
		return f, fmt.Errorf("fstat: %w", err)
	}
	if what := unsafeKind(&st); what != "" {
		unix.Close(fd)
		return f, refuse(what)
	}
	f.fd = fd
	f.id = fileID{uint64(st.Dev), uint64(st.Ino)}
	f.uid = st.Uid
	f.perm = uint32(st.Mode) & 0o7777
	f.mtime = st.Mtim.Nano()
	if create {
		ro, err := reopenReadOnly(fd, path, f.id)
		if err != nil {
			unix.Close(fd)
			return f, err
		}
		f.fd, f.writer, f.hasWriter = ro, fd, true
	}
	return f, nil
}

// readOnlyFlags open the locking description of a claimed file.
const readOnlyFlags = unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY

// reopenByPath opens path again, read-only, and checks that it is still the
// file id: where the system cannot reopen a descriptor, the path may have
// been replaced in between.
func reopenByPath(path string, id fileID) (int, error) {
	fd, err := open(path, readOnlyFlags|unix.O_NOFOLLOW, 0)
	if err != nil {
		return -1, fmt.Errorf("open read-only: %w", err)
	}
	var st unix.Stat_t
	if err := fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("fstat: %w", err)
	}
	if (fileID{uint64(st.Dev), uint64(st.Ino)}) != id {
		unix.Close(fd)
		return -1, errors.New("the path was replaced while it was being opened")
	}
	return fd, nil
}

// ignoringEINTR calls fn again for as long as a signal interrupts it. Every
// system call of this package goes through it, but close (closeFD).
func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != unix.EINTR {
			return err
		}
	}
}

func open(path string, flags int, perm uint32) (fd int, err error) {
	err = ignoringEINTR(func() error {
		fd, err = unix.Open(path, flags, perm)
		return err
	})
	return fd, err
}

func fstat(fd int, st *unix.Stat_t) error {
	return ignoringEINTR(func() error { return unix.Fstat(fd, st) })
}

// openError explains a failed open. Opening with O_NOFOLLOW fails with an
// errno that differs by system (ELOOP, EMLINK, EFTYPE) for a symbolic link,
// and sockets and directories fail in their own ways; one lstat on this
// error path names the real reason instead.
func openError(path string, err error) error {
	opened := fmt.Errorf("open: %w", err)
	switch err {
	case unix.ENOENT, unix.EPERM, unix.EROFS, unix.ENOTDIR, unix.EACCES:
		return opened
	}
	var st unix.Stat_t
	if unix.Lstat(path, &st) == nil {
		if what := unsafeKind(&st); what != "" {
			return refuse(what)
		}
	}
	return opened
}

// pathOwner returns the owner and permission bits of the regular, singly
// linked file that path names, without following a final symbolic link;
// ok is false for anything else.
func pathOwner(path string) (uid, perm uint32, ok bool) {
	var st unix.Stat_t
	if unix.Lstat(path, &st) != nil || unsafeKind(&st) != "" {
		return 0, 0, false
	}
	return st.Uid, uint32(st.Mode) & 0o7777, true
}

// unsafeKind says why st is not usable as a pidfile, or "" if it is.
func unsafeKind(st *unix.Stat_t) string {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		if st.Nlink != 1 {
			return "is a regular file with " + strconv.FormatUint(uint64(st.Nlink), 10) + " hard links"
		}
		return ""
	case unix.S_IFLNK:
		return "is a symbolic link, which is never followed"
	case unix.S_IFDIR:
		return "is a directory"
	case unix.S_IFIFO:
		return "is a FIFO"
	case unix.S_IFCHR, unix.S_IFBLK:
		return "is a device"
	case unix.S_IFSOCK:
		return "is a socket"
	}
	return "is not a regular file"
}

// tryLock takes a flock without waiting: exclusive for a claim, shared for
// a reader, whose lock only tests that no claim holds one. It reports false
// when another open file description holds a lock that conflicts.
func (f *file) tryLock(exclusive bool) (bool, error) {
	how := unix.LOCK_SH | unix.LOCK_NB
	if exclusive {
		how = unix.LOCK_EX | unix.LOCK_NB
	}
	err := flock(f.fd, how)
	if err == unix.EBADF && exclusive && f.hasWriter {
		// Where flock is emulated with fcntl locks (NFS), an exclusive lock
		// needs a writable description: the writable one locks, and stays.
		if err = flock(f.writer, how); err == nil {
			unix.Close(f.fd)
			f.fd, f.hasWriter = f.writer, false
		}
	}
	switch err {
	case nil:
		return true, nil
	case unix.EWOULDBLOCK:
		return false, nil
	}
	return false, err
}

// unlock releases a lock that tryLock took.
func (f *file) unlock() error { return flock(f.fd, unix.LOCK_UN) }

func flock(fd, how int) error {
	return ignoringEINTR(func() error { return unix.Flock(fd, how) })
}

// readHead reads the start of the file into buf.
func (f *file) readHead(buf []byte) (n int, err error) {
	err = ignoringEINTR(func() error {
		n, err = unix.Pread(f.fd, buf, 0)
		return err
	})
	return n, err
}

// replace makes data the whole content of the file. It writes first and
// cuts the tail after, so a reader sees either the old bytes, a mix that is
// not a PID, or the new content, and never needs a second pass.
func (f *file) replace(data []byte) error {
	fd := f.writerFD()
	for off := 0; off < len(data); {
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = unix.Pwrite(fd, data[off:], int64(off))
			return err
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		off += n
	}
	return ignoringEINTR(func() error { return unix.Ftruncate(fd, int64(len(data))) })
}

// keepOnExec clears close-on-exec, so that the descriptor, and the lock,
// pass to the program this process execs.
func (f *file) keepOnExec() error {
	err := ignoringEINTR(func() error {
		_, err := unix.FcntlInt(uintptr(f.fd), unix.F_SETFD, 0)
		return err
	})
	if err != nil {
		return fmt.Errorf("fcntl: %w", err)
	}
	return nil
}

// dropWriter closes the writable description, if there is one apart.
func (f *file) dropWriter() error {
	if !f.hasWriter {
		return nil
	}
	f.hasWriter = false
	return closeFD(f.writer)
}

// close closes the descriptors, which releases the flock.
func (f *file) close() error {
	werr := f.dropWriter()
	if err := closeFD(f.fd); err != nil {
		return err
	}
	return werr
}

// closeFD closes fd. An interrupted close has closed it all the same on the
// supported systems, so EINTR is success, and never retried: the number may
// already name another file.
func closeFD(fd int) error {
	if err := unix.Close(fd); err != unix.EINTR {
		return err
	}
	return nil
}

// links returns the number of names the open file has now: 0 once it was
// removed.
func (f *file) links() (uint64, error) {
	var st unix.Stat_t
	if err := fstat(f.fd, &st); err != nil {
		return 0, err
	}
	return uint64(st.Nlink), nil
}

// pathIdentity returns the file that path names now, without following a
// final symbolic link.
func pathIdentity(path string) (fileID, error) {
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Lstat(path, &st) }); err != nil {
		return fileID{}, err
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, nil
}
