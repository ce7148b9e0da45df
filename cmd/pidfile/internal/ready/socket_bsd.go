//go:build unix && !linux

package ready

import (
	"net"
	"os"
	"path/filepath"
	"time"
)

// Socket is where run -detach -ready notify hears CMD: here a datagram
// socket in a directory of its own that only CMD's user may enter, which is
// the guard (these systems do not say who sent a datagram the same way).
// The directory is left in place when the socket is closed: CMD keeps
// NOTIFY_SOCKET for its whole life, and nobody but CMD's user may bind a
// name in it. (One such directory stays in TMPDIR for each start.)
type Socket struct {
	conn *net.UnixConn
	addr string
}

// NewSocket makes the socket in a new directory, mode 0700, owned by
// uid (CMD's user) unless uid is -1 (the pidfile does not matter here). The
// socket is given to uid first, while the directory is still root's alone:
// nobody can swap the socket's path for a link between the two changes.
func NewSocket(_ string, uid int) (*Socket, error) {
	dir, err := os.MkdirTemp("", "pidfile-notify")
	if err != nil {
		return nil, err
	}
	addr := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err == nil && uid >= 0 {
		if err = os.Lchown(addr, uid, -1); err == nil {
			err = os.Chown(dir, uid, -1)
		}
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		os.RemoveAll(dir)
		return nil, err
	}
	return &Socket{conn: conn, addr: addr}, nil
}

// Address is NOTIFY_SOCKET's value.
func (s *Socket) Address() string { return s.addr }

// SetDeadline ends Receive's wait at t.
func (s *Socket) SetDeadline(t time.Time) { s.conn.SetReadDeadline(t) }

// Receive returns the next datagram: whoever could reach the directory is
// CMD's user, so the sender is not asked (from is not called).
func (s *Socket) Receive(func(int) bool) ([]byte, error) {
	buf := make([]byte, 4096)
	n, _, err := s.conn.ReadFromUnix(buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// Close closes the socket, and leaves its directory and file.
func (s *Socket) Close() { s.conn.Close() }
