//go:build linux || freebsd

package main

// The supervisor's side of readiness: -ready fd:N and -ready notify for
// every start of CMD, and READY=1 for whoever started the supervisor.

import (
	"errors"
	"net"
	"os"
	"strconv"
	"sync"

	"time"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/ready"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/supervise"
)

// readyPipe reads CMD's readiness pipe r: ready at a newline; at its end
// (CMD closed its descriptor, or exited, which the reaper says a moment
// later) not ready, said after startCheck. Sends never block: the loop
// reads only while CMD starts. done ends the wait.
func (s *supervisor) readyPipe(r *os.File, done <-chan struct{}) <-chan supervise.Readiness {
	c := make(chan supervise.Readiness, 1)
	go func() {
		if ready.ReadLine(r) == nil {
			c <- supervise.Readiness{Ready: true}
			return
		}
		select {
		case <-time.After(startCheck):
			c <- supervise.Readiness{Why: "closed its readiness descriptor (" + strconv.Itoa(s.l.readyFD) + ") before it was ready"}
		case <-done:
		}
	}()
	return c
}

// readyNotify judges what the current CMD says on the notify socket with
// w: ready, failed (ERRNO=), or a later deadline. done ends the wait.
func (s *supervisor) readyNotify(w *ready.Wait, done <-chan struct{}) <-chan supervise.Readiness {
	c := make(chan supervise.Readiness, 1)
	go func() {
		for {
			select {
			case <-s.heard.poke:
			case <-done:
				return
			}
			var r supervise.Readiness
			switch outcome, why := w.Hear(s.heard.state(), time.Now()); outcome {
			case ready.Ready:
				r.Ready = true
			case ready.Failed:
				r.Why = why
			default:
				r.Due = w.Due
			}
			select {
			case c <- r:
			case <-done:
				return
			}
			if r.Ready || r.Why != "" {
				return
			}
		}
	}()
	return c
}

// tellParent sends msg to the NOTIFY_SOCKET this process was given, if any.
func (s *supervisor) tellParent(msg string) {
	if s.parent == "" {
		return
	}
	if err := ready.Send(s.parent, msg); err != nil {
		s.say("cannot tell NOTIFY_SOCKET %s %s: %v", s.parent, msg, err)
	}
}

// notifyBox is what the current CMD said on the notify socket; a goroutine
// reads the socket for the supervisor's whole life, and hears only the
// current CMD.
type notifyBox struct {
	mu      sync.Mutex
	pid     int           // the current CMD
	msg     ready.Message // READY and ERRNO as ever said by it, its last STATUS
	early   []heard       // while a CMD is being started: what it may send before its PID is known
	waiting bool
	poke    chan struct{}
}

// maxEarly bounds what is kept of datagrams heard while a CMD is being
// started, whoever sent them: the few that CMD may send before its PID is
// known, not a flood of others'.
const maxEarly = 64

// heard is one datagram and its sender (0 where the system does not say).
type heard struct {
	pid int
	msg ready.Message
}

// listen starts reading sock.
func listen(sock *ready.Socket) *notifyBox {
	b := &notifyBox{poke: make(chan struct{}, 1)}
	go func() {
		for {
			sender := 0
			data, err := sock.Receive(func(pid int) bool { sender = pid; return true })
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			b.mu.Lock()
			switch h := (heard{sender, ready.Parse(data)}); {
			case b.waiting && len(b.early) < maxEarly:
				b.early = append(b.early, h)
			case sender == 0 || sender == b.pid:
				b.add(h.msg)
			}
			b.mu.Unlock()
		}
	}()
	return b
}

// add takes m in, the lock held, and tells the supervisor.
func (b *notifyBox) add(m ready.Message) {
	b.msg.Ready = b.msg.Ready || m.Ready
	if m.Status != "" {
		b.msg.Status = m.Status
	}
	if m.Errno != 0 {
		b.msg.Errno = m.Errno
	}
	b.msg.Extend = m.Extend
	select {
	case b.poke <- struct{}{}:
	default:
	}
}

// starting forgets the last CMD: a new one is being started.
func (b *notifyBox) starting() {
	b.mu.Lock()
	b.pid, b.msg, b.waiting, b.early = 0, ready.Message{}, true, nil
	b.mu.Unlock()
	select {
	case <-b.poke:
	default:
	}
}

// started makes pid the CMD whose datagrams count (0: none started).
func (b *notifyBox) started(pid int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pid, b.waiting = pid, false
	for _, h := range b.early {
		if pid != 0 && (h.pid == 0 || h.pid == pid) {
			b.add(h.msg)
		}
	}
	b.early = nil
}

// state is what the current CMD has said; an extension is said once.
func (b *notifyBox) state() ready.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.msg
	b.msg.Extend = 0
	return m
}
