package main

// run -detach -ready: wait until CMD says it is ready (-ready fd:N, -ready
// notify), as the package internal/ready reads and judges what it says.

import (
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/ready"
)

// readyNotify is -ready notify's launch.readyFD.
const readyNotify = -1

// awaitReady waits for CMD to write a newline to the readiness pipe, and
// says why it will not be ready, or "" once it is: it exited first, it
// closed the descriptor (end of file), or l.readyTimeout passed.
func awaitReady(pipe *os.File, l launch, exited <-chan struct{}, child *exec.Cmd) string {
	got := make(chan bool, 1)
	go func() { got <- ready.ReadLine(pipe) == nil }()
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
func awaitNotify(sock *ready.Socket, l launch, exited <-chan struct{}, child *exec.Cmd) string {
	type datagram struct {
		msg ready.Message
		err error
	}
	got := make(chan datagram)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			b, err := sock.Receive(func(pid int) bool { return pid == child.Process.Pid })
			select {
			case got <- datagram{ready.Parse(b), err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	w := ready.NewWait(time.Now(), l.readyTimeout)
	deadline := time.NewTimer(l.readyTimeout)
	defer deadline.Stop()
	for {
		select {
		case d := <-got:
			if d.err != nil {
				return w.Why("the notify socket failed: " + d.err.Error())
			}
			switch outcome, why := w.Hear(d.msg, time.Now()); outcome {
			case ready.Failed:
				return why
			case ready.Ready:
				return ""
			}
			deadline.Reset(time.Until(w.Due))
		case <-exited:
			// What CMD sent before it exited is queued: read it for
			// the last STATUS=, until a short deadline ends the reads.
			sock.SetDeadline(time.Now().Add(exitDrain))
			for d := range got {
				if d.err != nil {
					break
				}
				if d.msg.Status != "" {
					w.Status = d.msg.Status
				}
			}
			return w.Why(exitText(child.ProcessState) + " before it was ready")
		case <-deadline.C:
			return w.Why("was not ready in time (-ready-timeout " + l.readyTimeout.String() + ", or as EXTEND_TIMEOUT_USEC extended it)")
		}
	}
}

// exitDrain is how long awaitNotify reads on after CMD exited: what it sent
// is already queued, so this bounds only the last, empty read.
const exitDrain = 100 * time.Millisecond
