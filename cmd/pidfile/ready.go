package main

// run -detach -ready: wait until CMD says it is ready, by one of two
// protocols that many daemons speak. fd:N is s6's notification-fd: CMD
// writes a newline to its descriptor N. notify is systemd's sd_notify(3):
// CMD sends datagrams of newline-separated KEY=VALUE lines to the socket
// that $NOTIFY_SOCKET names; READY=1 says ready, STATUS= what it is doing,
// ERRNO= why it failed, EXTEND_TIMEOUT_USEC= that it needs longer.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// readyNotify is -ready notify's launch.readyFD.
const readyNotify = -1

// notifyMessage is what one sd_notify datagram says.
type notifyMessage struct {
	ready  bool
	status string // "" if none
	errno  int    // 0 if none
	extend time.Duration
}

// parseNotify reads one datagram: newline-separated KEY=VALUE; unknown keys
// and malformed lines are ignored, as sd_notify(3) asks.
func parseNotify(b []byte) notifyMessage {
	var m notifyMessage
	for _, line := range strings.Split(string(b), "\n") {
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch key {
		case "READY":
			m.ready = m.ready || value == "1"
		case "STATUS":
			m.status = value
		case "ERRNO":
			if n, err := strconv.Atoi(value); err == nil && n > 0 {
				m.errno = n
			}
		case "EXTEND_TIMEOUT_USEC":
			if n, err := strconv.ParseUint(value, 10, 63); err == nil {
				m.extend = time.Duration(min(n, uint64(1<<62)/1000)) * time.Microsecond
			}
		}
	}
	return m
}

// extendTo is the readiness deadline after EXTEND_TIMEOUT_USEC=extend, heard
// at now, where it was due: extend from now, but never earlier than due
// (systemd only ever extends; a daemon cannot cut its own time short).
func extendTo(due, now time.Time, extend time.Duration) time.Time {
	if t := now.Add(extend); t.After(due) {
		return t
	}
	return due
}

// readyChunk is how much of the readiness pipe one read takes.
const readyChunk = 4096

// readLine reads r until a newline, and returns nil then, or the read's
// error. What comes before the newline is CMD's to write and is dropped as
// it comes: memory stays one chunk, and each read takes a chunk, not a
// byte, whatever CMD writes.
func readLine(r io.Reader) error {
	var buf [readyChunk]byte
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

// errnoText is ERRNO=n in words.
func errnoText(n int) string { return syscall.Errno(n).Error() }

// awaitReady waits for CMD to write a newline to the readiness pipe, and
// says why it will not be ready, or "" once it is: it exited first, it
// closed the descriptor (end of file), or l.readyTimeout passed.
func awaitReady(ready *os.File, l launch, exited <-chan struct{}, child *exec.Cmd) string {
	got := make(chan bool, 1)
	go func() { got <- readLine(ready) == nil }()
	timer := time.NewTimer(l.readyTimeout)
	defer timer.Stop()
	select {
	case ok := <-got:
		if ok {
			return ""
		}
		// End of file: CMD closed the descriptor, or exited, which the
		// reaper says a moment later.
		select {
		case <-exited:
			return exitText(child.ProcessState) + " before it was ready"
		case <-time.After(startCheck):
		}
		return "closed its readiness descriptor (" + strconv.Itoa(l.readyFD) + ") before it was ready"
	case <-exited:
		return exitText(child.ProcessState) + " before it was ready"
	case <-timer.C:
		return "was not ready within " + l.readyTimeout.String()
	}
}

// awaitNotify waits for READY=1 from CMD on the notify socket, and says why
// it will not be ready, or "" once it is; the last STATUS= is said with any
// failure.
func awaitNotify(sock *notifySocket, l launch, exited <-chan struct{}, child *exec.Cmd) string {
	type datagram struct {
		msg notifyMessage
		err error
	}
	got := make(chan datagram)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			b, err := sock.receive(func(pid int) bool { return pid == child.Process.Pid })
			select {
			case got <- datagram{parseNotify(b), err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	due := time.Now().Add(l.readyTimeout)
	deadline := time.NewTimer(l.readyTimeout)
	defer deadline.Stop()
	status := ""
	why := func(s string) string {
		if status != "" {
			s += " (last STATUS=" + status + ")"
		}
		return s
	}
	for {
		select {
		case d := <-got:
			if d.err != nil {
				return why("the notify socket failed: " + d.err.Error())
			}
			if d.msg.status != "" {
				status = d.msg.status
			}
			switch {
			case d.msg.errno != 0:
				return why(fmt.Sprintf("said it failed: ERRNO=%d, %s", d.msg.errno, errnoText(d.msg.errno)))
			case d.msg.ready:
				return ""
			case d.msg.extend > 0:
				due = extendTo(due, time.Now(), d.msg.extend)
				deadline.Reset(time.Until(due))
			}
		case <-exited:
			// What CMD sent before it exited is queued: read it for
			// the last STATUS=, until a short deadline ends the reads.
			sock.setDeadline(time.Now().Add(exitDrain))
			for d := range got {
				if d.err != nil {
					break
				}
				if d.msg.status != "" {
					status = d.msg.status
				}
			}
			return why(exitText(child.ProcessState) + " before it was ready")
		case <-deadline.C:
			return why("was not ready in time (-ready-timeout " + l.readyTimeout.String() + ", or as EXTEND_TIMEOUT_USEC extended it)")
		}
	}
}

// exitDrain is how long awaitNotify reads on after CMD exited: what it sent
// is already queued, so this bounds only the last, empty read.
const exitDrain = 100 * time.Millisecond
