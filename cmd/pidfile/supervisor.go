//go:build linux || freebsd

package main

// The supervisor of run -supervise: what it sets up around its loop, which
// is the package internal/supervise (one state, one handler per event), and
// the world it gives that loop. The loop runs on one goroutine, locked to
// its thread for the supervisor's whole life, which starts every CMD: CMD's
// parent-death signal belongs to the thread that forked it (Linux), so that
// thread must outlive every CMD.
//
// CMD is started through this program again (the hidden subcommand
// _supervised-cmd, in a new process group), which sets up CMD's execution
// environment and user exactly as run does before executing CMD in its own
// place: so CMD's PID is the child's, and the supervisor keeps its own
// environment (a -limit or -nice for CMD does not bind the supervisor).

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/ready"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/supervise"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/logfile"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/printable"
)

const superviseSupported = true

// restarts says whether a run that ended with code (a signal as 128+N) is
// followed by another, when no stop was requested: on-failure restarts
// after any status that -restart-exit-ok does not count as success.
func (s supervision) restarts(code int) bool {
	return s.restart == restartAlways || s.restart == restartOnFailure && !s.success(code)
}

// success says whether code is a successful exit: 0, or one that
// -restart-exit-ok names.
func (s supervision) success(code int) bool {
	if s.exitOK == nil {
		return code == 0
	}
	return s.exitOK[code]
}

// forwarded are the signals the supervisor passes to CMD; stopSignals among
// them are stop requests.
var (
	forwarded   = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}
	stopSignals = map[os.Signal]bool{syscall.SIGTERM: true, syscall.SIGINT: true, syscall.SIGQUIT: true}
)

// supervisor is run -supervise: its settings, and the world of its loop.
type supervisor struct {
	l       launch
	r       reporter // until the first CMD has started: the status pipe of run -detach, or stderr
	self    string   // this program, to start CMD through
	env     []string // the environment CMD's starter gets
	sigs    chan os.Signal
	reaper  *reaper
	out     *os.File // CMD's standard output: the log pipe, or this process's stderr
	errOut  *os.File // CMD's standard error: the -log-stderr pipe, or out
	lines   io.Writer
	notify  *ready.Socket
	heard   *notifyBox
	parent  string // the NOTIFY_SOCKET this process was given: READY=1 goes there
	child   *childFile
	started bool // the first CMD has started (and is ready, with -ready)
}

// supervise claims PATH and supervises CMD until it exits for good, or a stop
// is requested; it returns the supervisor's exit status.
func (l launch) supervise(r reporter) int {
	runtime.LockOSThread() // never unlocked: see the top of this file
	s := &supervisor{l: l, r: r, parent: os.Getenv("NOTIFY_SOCKET")}
	// A closed standard error must not kill the supervisor (and with it
	// CMD): Go exits on SIGPIPE from descriptors 1 and 2 unless notified.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	fail := func(format string, a ...any) int {
		return r.fail(exitUnknown, "pidfile run -supervise: "+format, a...)
	}
	var err error
	if s.self, err = selfExecutable(); err != nil {
		return fail("cannot find this program to start CMD through: %v", err)
	}
	if err := closeInheritedOnExec(); err != nil {
		return fail("cannot keep this process's descriptors from CMD: %v", err)
	}
	s.out, s.errOut, s.lines = os.Stderr, os.Stderr, os.Stderr
	// The logs are opened before the claim: a log that cannot be written
	// takes no lock.
	if l.logPath != "" {
		pw, finish, err := s.openLog(l.logPath, l.path, l.path+childSuffix)
		if err != nil {
			return fail("-log: %v", err)
		}
		defer finish()
		s.out, s.errOut, s.lines = pw, pw, pw
	}
	if l.errLogPath != "" {
		pw, finish, err := s.openLog(l.errLogPath, l.path, l.path+childSuffix, l.logPath)
		if err != nil {
			return fail("-log-stderr: %v", err)
		}
		defer finish()
		s.errOut = pw
	}
	g, code := l.claim(r)
	if g == nil {
		return code
	}
	defer g.Close()
	if err := becomeReaper(); err != nil {
		return fail("cannot become the reaper of CMD's orphans: %v", err)
	}
	// From here on, a stop request is CMD's; before, while -wait waits
	// for the lock, TERM ends run as it ends run without -supervise.
	s.sigs = make(chan os.Signal, 16)
	signal.Notify(s.sigs, forwarded...)
	chld := make(chan os.Signal, 1)
	signal.Notify(chld, syscall.SIGCHLD)
	s.reaper = startReaper(chld)
	// NOTIFY_SOCKET is the supervisor's to answer; CMD gets its own with
	// -ready notify, and none otherwise.
	s.env = append(withoutEnv(os.Environ(), "NOTIFY_SOCKET"), l.setup.passOn())
	if l.readyFD == readyNotify {
		uid := -1
		if l.account != nil {
			uid = l.account.uid
		}
		if s.notify, err = ready.NewSocket(l.path, uid); err != nil {
			return fail("-ready notify: %v", err)
		}
		defer s.notify.Close()
		s.env = append(s.env, "NOTIFY_SOCKET="+s.notify.Address())
		s.heard = listen(s.notify)
	}
	if s.child, err = openChildFile(l.path, l.perm); err != nil {
		s.say("status will not name CMD: %v", err)
	}
	s.publish(serviceStarting, 0, 0, "", time.Time{})
	defer s.child.close()
	code = supervise.Run(s.config(), s.hooks(), supervise.RealClock{}, s.sigs)
	s.say("the supervisor exits with status %d", code)
	return code
}

// openLog opens path as a log that rotates by -log-size, and returns the
// write end of a pipe whose lines go there, and what drains the pipe and
// closes it all.
func (s *supervisor) openLog(path string, notThese ...string) (*os.File, func(), error) {
	lf, err := logfile.New(path, s.l.sup.logSize, s.l.sup.logKeep, notThese...)
	if err != nil {
		return nil, nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		lf.Close()
		return nil, nil, err
	}
	c := logfile.Copy(pr, lf)
	return pw, func() { c.Finish(pw) }, nil
}

// notStarted ends a supervisor whose first CMD did not start: the caller of
// run -detach is told why (exit 3), or else standard error.
func (s *supervisor) notStarted(format string, a ...any) int {
	return s.r.fail(exitNotStarted, "pidfile run: "+format, a...)
}

// firstStarted is called when a CMD has started (or is ready): the first
// time, run -detach's caller is told, and so is systemd (READY=1).
func (s *supervisor) firstStarted() {
	if s.started {
		return
	}
	s.started = true
	s.r.started()
	s.tellParent("READY=1")
}

// publish says the service's state in PATH.child, for status.
func (s *supervisor) publish(state string, pid, restarts int, lastExit string, next time.Time) {
	s.child.publish(service{Supervisor: os.Getpid(), State: state, PID: pid, Since: time.Now(),
		Restarts: restarts, LastExit: lastExit, NextStart: next})
}

// say writes one line about CMD's life: to the log with -log, else to
// standard error.
func (s *supervisor) say(format string, a ...any) {
	line := time.Now().Format(logfile.TimeFormat) + " pidfile run: " + s.l.path + ": " + fmt.Sprintf(format, a...)
	io.WriteString(s.lines, printable.String(line)+"\n")
}

// config is the loop's part of what run -supervise was asked.
func (s *supervisor) config() supervise.Config {
	readyTimeout := time.Duration(0)
	if s.l.readyFD != 0 {
		readyTimeout = s.l.readyTimeout
	}
	return supervise.Config{
		Name: s.l.argv[0], Restarts: s.l.sup.restarts,
		Delay: s.l.sup.delay, Max: s.l.sup.max, StopTimeout: s.l.sup.stopTimeout,
		ReadyTimeout: readyTimeout, StartCheck: startCheck, GroupPoll: groupPoll,
		Stops: stopSignals, Term: syscall.SIGTERM, Kill: syscall.SIGKILL,
		FirstMustStart: s.r.piped(), // run -detach waits to hear
	}
}

// hooks are how the loop acts on this process's world.
func (s *supervisor) hooks() supervise.Hooks {
	return supervise.Hooks{
		Start:       s.start,
		Say:         s.say,
		SignalName:  func(sig os.Signal) string { return signalName(sig.(syscall.Signal)) },
		FirstReady:  s.firstStarted,
		StopRequest: func() { s.tellParent("STOPPING=1") },
		Publish:     s.publish,
		NotStarted:  s.notStarted,
	}
}
