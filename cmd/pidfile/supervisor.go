//go:build linux || freebsd

package main

// The supervisor of run -supervise. One goroutine, locked to its thread for
// the supervisor's whole life, starts CMD, waits for it, forwards signals and
// reaps: CMD's parent-death signal belongs to the thread that forked it
// (Linux), so that thread must outlive every CMD.
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

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/logfile"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/printable"
)

const superviseSupported = true

// maxRestartDelay caps the doubling restart delay; steadyRun is how long a
// run must last for the delay and the count of quick restarts to start
// again from the beginning.
const (
	maxRestartDelay = time.Minute
	steadyRun       = time.Minute
)

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

// nextDelay is the restart delay after d: doubled, up to maxRestartDelay
// (or d itself if it was given longer).
func nextDelay(d time.Duration) time.Duration {
	return max(min(2*d, maxRestartDelay), d)
}

// forwarded are the signals the supervisor passes to CMD; stopSignals among
// them are stop requests.
var (
	forwarded   = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}
	stopSignals = map[os.Signal]bool{syscall.SIGTERM: true, syscall.SIGINT: true, syscall.SIGQUIT: true}
)

// supervisor is the state of run -supervise.
type supervisor struct {
	l        launch
	r        reporter // until the first CMD has started: the status pipe of run -detach, or stderr
	self     string   // this program, to start CMD through
	env      []string // the environment CMD's starter gets
	sigs     chan os.Signal
	chld     chan os.Signal
	out      *os.File // CMD's standard output and error: the log pipe, or this process's stderr
	lines    io.Writer
	logs     *logfile.Copier // -log, or nil
	notify   *ready.Socket
	heard    *notifyBox
	parent   string // the NOTIFY_SOCKET this process was given: READY=1 goes there
	child    *childFile
	group    *processGroup // the current CMD's process group
	readyR   *os.File      // -ready fd:N: the read end of the current CMD's pipe
	readyGot chan string   // what it said: "" ready, or why not
	stopping bool
	stopBy   time.Time // with stopping: when CMD's group gets KILL
	restarts int       // restarts in a row, for status
	lastExit string    // how the last CMD ended, for status
	started  bool      // the first CMD has started (and is ready, with -ready)
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
	s.out, s.lines = os.Stderr, os.Stderr
	if l.logPath != "" {
		// Opened before the claim: a log that cannot be written takes no
		// lock.
		lf, err := logfile.New(l.logPath, l.sup.logSize, l.sup.logKeep, l.path, l.path+childSuffix)
		if err != nil {
			return fail("-log: %v", err)
		}
		pr, pw, err := os.Pipe()
		if err != nil {
			lf.Close()
			return fail("%v", err)
		}
		s.logs = logfile.Copy(pr, lf)
		s.out, s.lines = pw, pw
		defer s.logs.Finish(pw)
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
	s.chld = make(chan os.Signal, 1)
	signal.Notify(s.chld, syscall.SIGCHLD)
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
	s.publish(serviceStarting, 0, time.Time{})
	defer s.child.close()
	code = s.loop()
	s.say("the supervisor exits with status %d", code)
	return code
}

// loop starts CMD, and again as -restart says, until it is over; it returns
// the supervisor's exit status.
func (s *supervisor) loop() int {
	b := newBackoff(s.l.sup.delay, s.l.sup.max)
	for {
		began := time.Now()
		pid, err := s.start()
		if err != nil {
			if !s.started {
				return s.notStarted("cannot start %s: %v", s.l.argv[0], err)
			}
			s.say("cannot start %s again: %v", s.l.argv[0], err)
			return exitUnknown
		}
		ws, notReady := s.watch(pid)
		ran := time.Since(began)
		s.lastExit = "CMD " + waitText(ws)
		if notReady != "" {
			s.lastExit = "CMD " + notReady
		}
		s.publish(serviceStopping, 0, time.Time{})
		code := statusCode(ws)
		if notReady != "" {
			s.say("process %d %s; it %s", pid, notReady, waitText(ws))
		} else {
			s.say("process %d %s", pid, waitText(ws))
		}
		s.endGroup(pid)
		if !s.started {
			why := waitText(ws) + " right after it started"
			if s.l.readyFD != 0 {
				why = waitText(ws) + " before it was ready"
			}
			if notReady != "" {
				why = notReady
			}
			if s.r.status != nil { // run -detach waits to hear
				return s.notStarted("%s (process %d) %s", s.l.argv[0], pid, why)
			}
		}
		if s.stopping {
			return exitOK
		}
		if notReady != "" && code == 0 {
			code = exitNotStarted // not ready is a failure, whatever CMD said when it was ended
		}
		if !s.l.sup.restarts(code) {
			return code
		}
		delay, ok := b.after(ran)
		if !ok {
			s.say("giving up after %d restarts in a row that each ran less than a minute (-restart-max %d)", b.restarts, b.max)
			return code
		}
		s.say("restarting %s in %v", s.l.argv[0], delay)
		s.restarts = b.restarts
		s.publish(serviceRestarting, 0, time.Now().Add(delay))
		if !s.sleep(delay) {
			return exitOK // a stop was requested meanwhile
		}
	}
}

// backoff is the bookkeeping of restarts: the delay before the next one,
// and how many in a row followed runs shorter than steadyRun.
type backoff struct {
	first, delay time.Duration
	max          int // -restart-max; 0 for no limit
	restarts     int
}

func newBackoff(first time.Duration, max int) *backoff {
	return &backoff{first: first, delay: first, max: max}
}

// after returns how long to wait before restarting a CMD that ran for ran,
// or false if -restart-max restarts in a row have been spent.
func (b *backoff) after(ran time.Duration) (time.Duration, bool) {
	if ran >= steadyRun {
		b.delay, b.restarts = b.first, 0
	}
	if b.max > 0 && b.restarts >= b.max {
		return 0, false
	}
	b.restarts++
	d := b.delay
	b.delay = nextDelay(b.delay)
	return d, true
}

// notStarted ends a supervisor whose first CMD did not start: the caller of
// run -detach is told why (exit 3), or else standard error.
func (s *supervisor) notStarted(format string, a ...any) int {
	return s.r.fail(exitNotStarted, "pidfile run: "+format, a...)
}

// watch waits for CMD (process pid) to exit, forwarding signals and
// watching its readiness meanwhile; it returns how CMD ended and, if it was
// ended for not being ready, why.
func (s *supervisor) watch(pid int) (syscall.WaitStatus, string) {
	var (
		startTimer <-chan time.Time                              // without -ready: the start check
		notified   = ready.NewWait(time.Now(), s.l.readyTimeout) // -ready notify
		readyTimer *time.Timer
		readyGot   <-chan string
		poke       <-chan struct{}
		killTimer  <-chan time.Time
		closed     <-chan time.Time // the readiness pipe ended this long ago
		closedWhy  string
		notReady   string
	)
	switch {
	case s.l.readyFD > 0:
		readyTimer = time.NewTimer(s.l.readyTimeout)
		defer readyTimer.Stop()
		readyGot = s.readyGot
		defer s.readyR.Close() // ends the reader, also if a worker keeps the write end
	case s.l.readyFD == readyNotify:
		readyTimer = time.NewTimer(s.l.readyTimeout)
		defer readyTimer.Stop()
		poke = s.heard.poke
	default:
		startTimer = time.After(startCheck)
	}
	var readyC <-chan time.Time
	if readyTimer != nil {
		readyC = readyTimer.C
	}
	stop := func(why string) {
		// Not ready: CMD is ended as a stop would end it.
		notReady = why
		readyC, readyGot, poke = nil, nil, nil
		syscall.Kill(pid, syscall.SIGTERM)
		killTimer = time.After(s.l.sup.stopTimeout)
	}
	becameReady := func() {
		readyC, readyGot, poke = nil, nil, nil
		if s.l.readyFD > 0 {
			// Nothing more is read: a CMD that writes on gets EPIPE,
			// rather than block on a full pipe.
			s.readyR.Close()
		}
		if s.l.readyFD != 0 {
			s.say("process %d is ready", pid)
		}
		s.firstStarted()
	}
	for {
		select {
		case sig := <-s.sigs:
			if stopSignals[sig] && !s.stopping {
				s.stopRequested()
				s.say("stop requested (%s): passing it to process %d", signalName(sig.(syscall.Signal)), pid)
				killTimer = time.After(s.l.sup.stopTimeout)
			}
			syscall.Kill(pid, sig.(syscall.Signal))
		case <-s.chld:
			if ws, ok := s.reap(pid); ok {
				return ws, notReady
			}
		case <-killTimer:
			killTimer = nil
			s.say("process %d did not exit within %v (-stop-timeout); sending KILL to its process group", pid, s.l.sup.stopTimeout)
			s.group.send(syscall.SIGKILL)
		case <-startTimer:
			becameReady()
		case why := <-readyGot:
			if why == "" {
				becameReady()
				break
			}
			// End of file: CMD closed the descriptor, or exited,
			// which SIGCHLD says a moment later.
			readyGot, closedWhy = nil, why
			closed = time.After(startCheck)
		case <-closed:
			stop(closedWhy)
		case <-poke:
			switch outcome, why := notified.Hear(s.heard.state(), time.Now()); outcome {
			case ready.Failed:
				stop(why)
			case ready.Ready:
				becameReady()
			default:
				readyTimer.Reset(time.Until(notified.Due))
			}
		case <-readyC:
			why := "was not ready within " + s.l.readyTimeout.String()
			if s.heard != nil {
				notified.Hear(s.heard.state(), time.Now()) // the last STATUS=
				why = notified.Why(why)
			}
			stop(why)
		}
	}
}

// firstStarted is called when a CMD has started (or is ready): the first
// time, run -detach's caller is told, and so is systemd (READY=1).
func (s *supervisor) firstStarted() {
	if s.started {
		return
	}
	s.started = true
	if s.r.status != nil {
		io.WriteString(s.r.status, startedMarker)
		s.r.status.Close()
		s.r.status = nil
	}
	s.tellParent("READY=1")
}

// publish says the service's state in PATH.child, for status: state, the
// running CMD's PID, and for a restart when it is due.
func (s *supervisor) publish(state string, pid int, next time.Time) {
	s.child.publish(service{Supervisor: os.Getpid(), State: state, PID: pid, Since: time.Now(),
		Restarts: s.restarts, LastExit: s.lastExit, NextStart: next})
}

// stopRequested records a stop request, and tells systemd.
func (s *supervisor) stopRequested() {
	s.stopping, s.stopBy = true, time.Now().Add(s.l.sup.stopTimeout)
	s.tellParent("STOPPING=1")
}

// sleep waits d before a restart; it returns false at once if a stop is
// requested meanwhile.
func (s *supervisor) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case sig := <-s.sigs:
			if stopSignals[sig] {
				s.stopRequested()
				s.say("stop requested (%s) while waiting to restart", signalName(sig.(syscall.Signal)))
				return false
			}
		case <-s.chld:
			s.reap(0)
		case <-t.C:
			return true
		}
	}
}

// say writes one line about CMD's life: to the log with -log, else to
// standard error.
func (s *supervisor) say(format string, a ...any) {
	line := time.Now().Format(logfile.TimeFormat) + " pidfile run: " + s.l.path + ": " + fmt.Sprintf(format, a...)
	io.WriteString(s.lines, printable.String(line)+"\n")
}

// statusCode is how run reports a CMD that ended with ws: its status, or 128+N
// for signal N.
func statusCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
