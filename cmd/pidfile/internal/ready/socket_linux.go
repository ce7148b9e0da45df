package ready

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Socket is where run -ready notify hears CMD: a datagram socket bound
// at PATH.notify, beside the pidfile. Its file is left in place when the
// socket is closed, never removed: CMD keeps NOTIFY_SOCKET for its whole
// life, and while the file is there nobody can bind the name and receive
// what CMD sends later (descriptors with FDSTORE=1 among it); only who may
// write the pidfile's directory could remove it, and that user could
// replace the pidfile as well. (An abstract name, freed when run -detach
// returned, could be bound by anyone.) Anyone may connect to it (mode 0777
// less nothing, so that CMD under -user can), so each datagram's sender is
// checked (SO_PASSCRED): only CMD is heard, and never a sender whose PID
// the kernel cannot give here.
type Socket struct {
	conn *net.UnixConn
	addr string
}

// notifySuffix names the socket beside PATH.
const notifySuffix = ".notify"

// maxSocketPath is how long a socket's path may be (sun_path, less its
// terminating NUL).
const maxSocketPath = 107

// NewSocket makes the socket for pidfile; uid (CMD's user, or -1) does
// not matter here. A PATH.notify left by an earlier start (a socket of
// root's or this user's) is replaced; one that another start is listening
// on, or any other file, is refused.
func NewSocket(pidfile string, _ int) (*Socket, error) {
	abs, err := filepath.Abs(pidfile + notifySuffix)
	if err != nil {
		return nil, err
	}
	if len(abs) > maxSocketPath {
		return nil, fmt.Errorf("%s: longer than a socket's address may be (%d bytes)", abs, maxSocketPath)
	}
	var st unix.Stat_t
	switch err := unix.Lstat(abs, &st); {
	case err == unix.ENOENT:
	case err != nil:
		return nil, &os.PathError{Op: "lstat", Path: abs, Err: err}
	case st.Mode&unix.S_IFMT != unix.S_IFSOCK || st.Nlink != 1 || st.Uid != 0 && int(st.Uid) != os.Geteuid():
		return nil, fmt.Errorf("%s: exists, and is not a socket of root's or this user's that an earlier start left", abs)
	case listening(abs):
		return nil, fmt.Errorf("%s: another start of this pidfile is waiting on it", abs)
	default:
		if err := unix.Unlink(abs); err != nil {
			return nil, &os.PathError{Op: "remove", Path: abs, Err: err}
		}
	}
	// The socket's file takes the umask; CMD, under -user, must be able to
	// connect. The mask is the process's: nothing else here creates files
	// meanwhile but with modes of its own, which a zero mask keeps.
	old := syscall.Umask(0)
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: abs, Net: "unixgram"})
	syscall.Umask(old)
	if err != nil {
		return nil, err
	}
	// Closing leaves the file (see above): a UnixConn's Close unlinks
	// nothing.
	rc, err := conn.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) {
			err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
		})
		if err == nil {
			err = cerr
		}
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &Socket{conn: conn, addr: abs}, nil
}

// listening reports whether a socket is bound at path: a datagram to it
// then goes through, where a stale one's file refuses the connection.
func listening(path string) bool {
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Address is NOTIFY_SOCKET's value.
func (s *Socket) Address() string { return s.addr }

// SetDeadline ends Receive's wait at t.
func (s *Socket) SetDeadline(t time.Time) { s.conn.SetReadDeadline(t) }

// Receive returns the next datagram whose sender's PID from accepts; those
// of any other process are dropped.
func (s *Socket) Receive(from func(pid int) bool) ([]byte, error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	for {
		n, oobn, _, _, err := s.conn.ReadMsgUnix(buf, oob)
		if err != nil {
			return nil, err
		}
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil || len(msgs) == 0 {
			continue
		}
		// PID 0 is a sender that this process cannot see: one in
		// another PID namespace (a container's). It is never CMD,
		// which runs in this one.
		if cred, err := unix.ParseUnixCredentials(&msgs[0]); err != nil || cred.Pid <= 0 || !from(int(cred.Pid)) {
			continue
		}
		return buf[:n], nil
	}
}

// Close closes the socket, and leaves its file.
func (s *Socket) Close() { s.conn.Close() }
