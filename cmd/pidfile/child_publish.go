//go:build linux || freebsd

package main

// The supervisor's side of status's "child" (child.go says how status
// reads it).

import (
	"fmt"
	"os"
	"syscall"
)

// childFile is where the supervisor publishes the current CMD's PID
// (child.go says why status believes it).
type childFile struct{ f *os.File }

// openChildFile opens (creating it with perm) PATH's child file, which must
// be a regular file of this process's user with one link.
func openChildFile(path string, perm os.FileMode) (*childFile, error) {
	f, err := os.OpenFile(path+childSuffix, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, perm)
	if err != nil {
		return nil, err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Nlink != 1 || int(st.Uid) != os.Geteuid() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file of user %d with one link", f.Name(), os.Geteuid())
	}
	return &childFile{f}, nil
}

// publish writes what the supervisor says of its service.
func (c *childFile) publish(s service) {
	if c == nil {
		return
	}
	c.f.Truncate(0)
	c.f.WriteAt([]byte(s.encode()), 0)
}

func (c *childFile) close() {
	if c != nil {
		c.f.Truncate(0)
		c.f.Close()
	}
}
