package main

import (
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// notifySocket is where run -detach -ready notify hears CMD: on Linux a
// datagram socket in the abstract namespace, which any process of the host
// may reach, so each datagram's sender is checked (SO_PASSCRED): only CMD is
// heard, and never a sender whose PID the kernel cannot give here.
type notifySocket struct {
	conn *net.UnixConn
	addr string
}

// newNotifySocket makes the socket; uid (CMD's user, or -1) does not matter
// here.
func newNotifySocket(int) (*notifySocket, error) {
	addr := fmt.Sprintf("@pidfile-notify/%d/%d", os.Getpid(), time.Now().UnixNano())
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return nil, err
	}
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
	return &notifySocket{conn: conn, addr: addr}, nil
}

// address is NOTIFY_SOCKET's value: @ for the abstract namespace.
func (s *notifySocket) address() string { return s.addr }

// setDeadline ends receive's wait at t.
func (s *notifySocket) setDeadline(t time.Time) { s.conn.SetReadDeadline(t) }

// receive returns the next datagram whose sender's PID from accepts; those
// of any other process are dropped.
func (s *notifySocket) receive(from func(pid int) bool) ([]byte, error) {
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
		// another PID namespace that shares the network namespace (a
		// container's). It is never CMD, which runs in this one.
		if cred, err := unix.ParseUnixCredentials(&msgs[0]); err != nil || cred.Pid <= 0 || !from(int(cred.Pid)) {
			continue
		}
		return buf[:n], nil
	}
}

func (s *notifySocket) close() { s.conn.Close() }
