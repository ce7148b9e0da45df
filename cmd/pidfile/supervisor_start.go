//go:build linux || freebsd

package main

// How the supervisor starts a CMD: through this program again, in a session
// of its own, with the descriptors CMD is meant to have and a lock that
// tells the next supervisor whether a CMD of this one still runs.

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/ready"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/supervise"
)

// start starts CMD through this program, in a session of its own, with
// KILL as its parent-death signal, and nothing of this process's
// descriptors but standard input, CMD's output, -ready fd:N, and after them
// a read-only descriptor of PATH.child that holds its lock (cmdGuard); it
// returns CMD as the loop sees it.
func (s *supervisor) start() (*supervise.Process, error) {
	guard, err := s.cmdGuard()
	if err != nil {
		return nil, err
	}
	if guard != nil {
		defer guard.Close() // the child has it; the lock stays with CMD's tree
	}
	files := []uintptr{0, s.out.Fd(), s.errOut.Fd()}
	var readyR, readyW *os.File
	if s.l.readyFD > 0 {
		if readyR, readyW, err = os.Pipe(); err != nil {
			return nil, err
		}
		defer readyW.Close() // the child has it; the pipe ends with CMD
		for len(files) <= s.l.readyFD {
			files = append(files, ^uintptr(0)) // closed in the child
		}
		files[s.l.readyFD] = readyW.Fd()
	}
	if guard != nil {
		files = append(files, guard.Fd())
	}
	argv := append([]string{s.self, supervisedCmd, strconv.Itoa(os.Getpid())}, s.l.args...)
	if s.heard != nil {
		s.heard.starting()
	}
	// Neither reaped nor awaited before it is pinned (the reaper waits).
	s.reaper.mu.Lock()
	// CMD leads a session of its own, not only a group: a process may join
	// only a group of its own session, so nothing of CMD's can move into
	// the supervisor's group and out of the reach of the group's KILL.
	pid, err := syscall.ForkExec(s.self, argv, &syscall.ProcAttr{
		Env:   s.env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL},
	})
	var group *processGroup
	var exit <-chan supervise.Exit
	if err == nil {
		// Pinned before CMD can be reaped: it and its group are
		// signalled only through the pin, never by an ID that may be
		// reused.
		if group, err = pinGroup(pid); err != nil {
			syscall.Kill(pid, syscall.SIGKILL)
			err = fmt.Errorf("cannot pin its process group: %w", err)
		}
		exit = s.reaper.await(pid)
	}
	s.reaper.mu.Unlock()
	if s.heard != nil {
		s.heard.started(pid)
	}
	if err != nil {
		if readyR != nil {
			readyR.Close()
		}
		return nil, err
	}
	s.say("started %s as process %d", s.l.argv[0], pid)
	return s.process(pid, group, exit, readyR), nil
}

// process is a started CMD as the loop sees it: its end, its readiness,
// and the signals the loop may send it and its group.
func (s *supervisor) process(pid int, group *processGroup, exit <-chan supervise.Exit, readyR *os.File) *supervise.Process {
	done := make(chan struct{})
	p := &supervise.Process{
		PID:  pid,
		Exit: exit,
		Signal: func(sig os.Signal) {
			group.sendLeader(sig.(syscall.Signal))
		},
		SignalGroup: func(sig os.Signal) { group.signal(sig) },
		GroupAlive: func() bool {
			alive, err := group.alive()
			return alive && err == nil
		},
		Close: func() {
			close(done)
			group.close()
			if readyR != nil {
				readyR.Close()
			}
		},
	}
	switch {
	case readyR != nil:
		p.Ready = s.readyPipe(readyR, done)
		// Nothing more is read once CMD is ready: a CMD that writes on
		// gets EPIPE, rather than block on a full pipe.
		p.IsReady = func() { readyR.Close() }
	case s.heard != nil:
		w := ready.NewWait(time.Now(), s.l.readyTimeout)
		p.Ready = s.readyNotify(w, done)
		p.NotReadyInTime = func(timeout time.Duration) string {
			w.Hear(s.heard.state(), time.Now()) // the last STATUS=
			return w.Why("was not ready within " + timeout.String())
		}
	}
	return p
}

// cmdGuard takes, on a new open file description of PATH.child, the lock
// that each CMD inherits: it is held while CMD, or any process that
// inherited it from CMD, runs. The kernel clears the parent-death signal
// when CMD changes its own credentials (setuid, a set-user-ID program), so
// a CMD can outlive a supervisor that was killed; its lock keeps the next
// supervisor from starting a second CMD beside it. It returns nil where
// there is no PATH.child (status is told so at the start).
func (s *supervisor) cmdGuard() (*os.File, error) {
	if s.child == nil {
		return nil, nil
	}
	name := s.l.path + childSuffix
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if !sameFile(f, s.child.f) {
		f.Close()
		return nil, fmt.Errorf("%s was replaced since this supervisor opened it", name)
	}
	switch err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err {
	case nil:
		return f, nil
	case syscall.EWOULDBLOCK:
		f.Close()
		return nil, fmt.Errorf("a previous CMD, or a process that it started, still runs holding %s's lock (did it change its user, which ends its parent-death signal?): a second CMD is not started beside it", name)
	default:
		f.Close()
		return nil, os.NewSyscallError("flock", err)
	}
}

// sameFile reports whether a and b are open on one file.
func sameFile(a, b *os.File) bool {
	sa, err1 := a.Stat()
	sb, err2 := b.Stat()
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
