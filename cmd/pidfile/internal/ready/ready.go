// Package ready is the one place where the command reads and judges the two
// readiness protocols that many daemons speak: run -detach, which waits for
// its daemon's first readiness, and run -supervise, which waits for every
// start of CMD, both use it.
//
// fd:N is s6's notification-fd: the daemon writes a newline to its
// descriptor N (ReadLine). notify is systemd's sd_notify(3): the daemon
// sends datagrams of newline-separated KEY=VALUE lines to the socket that
// $NOTIFY_SOCKET names (Socket, Parse); READY=1 says ready, STATUS= what it
// is doing, ERRNO= why it failed, EXTEND_TIMEOUT_USEC= that it needs
// longer. A Wait judges what a daemon says against its deadline.
package ready

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Message is what one sd_notify datagram says.
type Message struct {
	Ready  bool
	Status string // "" if none
	Errno  int    // 0 if none
	Extend time.Duration
}

// Parse reads one datagram: newline-separated KEY=VALUE; unknown keys and
// malformed lines are ignored, as sd_notify(3) asks.
func Parse(b []byte) Message {
	var m Message
	for _, line := range strings.Split(string(b), "\n") {
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch key {
		case "READY":
			m.Ready = m.Ready || value == "1"
		case "STATUS":
			m.Status = value
		case "ERRNO":
			if n, err := strconv.Atoi(value); err == nil && n > 0 {
				m.Errno = n
			}
		case "EXTEND_TIMEOUT_USEC":
			if n, err := strconv.ParseUint(value, 10, 63); err == nil {
				m.Extend = time.Duration(min(n, uint64(1<<62)/1000)) * time.Microsecond
			}
		}
	}
	return m
}

// Outcome is what a Wait concludes from a message.
type Outcome int

const (
	Waiting Outcome = iota // not ready yet: wait on, until Due
	Ready                  // READY=1
	Failed                 // ERRNO=: it will not be ready
)

// Wait is one wait for a daemon to be ready: its deadline, and the last
// STATUS= it sent, to say with a failure.
type Wait struct {
	Due    time.Time
	Status string
}

// NewWait starts a wait at now that ends after timeout.
func NewWait(now time.Time, timeout time.Duration) *Wait {
	return &Wait{Due: now.Add(timeout)}
}

// Hear takes in m, heard at now, and says what follows from it, and for a
// failure why. ERRNO= wins over READY=1 in one datagram. An extension moves
// Due to now+EXTEND_TIMEOUT_USEC, but never earlier than it was: systemd
// only ever extends, and a daemon cannot cut its own time short.
func (w *Wait) Hear(m Message, now time.Time) (Outcome, string) {
	if m.Status != "" {
		w.Status = m.Status
	}
	switch {
	case m.Errno != 0:
		return Failed, w.Why(fmt.Sprintf("said it failed: ERRNO=%d, %s", m.Errno, syscall.Errno(m.Errno).Error()))
	case m.Ready:
		return Ready, ""
	}
	if t := now.Add(m.Extend); m.Extend > 0 && t.After(w.Due) {
		w.Due = t
	}
	return Waiting, ""
}

// Why is a reason for not being ready, with the last STATUS= if any.
func (w *Wait) Why(reason string) string {
	if w.Status == "" {
		return reason
	}
	return reason + " (last STATUS=" + w.Status + ")"
}

// chunk is how much of a readiness pipe one read takes.
const chunk = 4096

// ReadLine reads r until a newline, and returns nil then, or the read's
// error (io.EOF: the daemon closed its descriptor, or exited, first). What
// comes before the newline is the daemon's to write and is dropped as it
// comes: memory stays one chunk, and each read takes a chunk, not a byte,
// whatever the daemon writes.
func ReadLine(r io.Reader) error {
	var buf [chunk]byte
	for {
		n, err := r.Read(buf[:])
		if bytes.IndexByte(buf[:n], '\n') >= 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
