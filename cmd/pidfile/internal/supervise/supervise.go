// Package supervise is the supervisor of run -supervise as one event loop
// over one state: a phase (starting, running, ending CMD's group, waiting to
// restart, done) and a handler for each event (a signal, CMD's exit, what
// CMD says of its readiness, a timer), as runsv and s6-supervise keep theirs.
// Everything it does to the world goes through a Process and Hooks, and
// time through a Clock, so that restarts, backoff, stops and readiness are
// tested in process; the command gives it real ones.
package supervise

import (
	"os"
	"time"
)

// Clock is time as the loop sees it; tests give a fake one.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
	// Idle is called each time the loop has handled an event and is
	// about to wait for the next: a test's clock moves time on there,
	// one event at a time. A real clock does nothing.
	Idle()
}

// Timer fires once on C, unless stopped first.
type Timer interface {
	C() <-chan time.Time
	Stop()
}

// RealClock is the wall clock.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// NewTimer is time.NewTimer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

// Idle does nothing.
func (RealClock) Idle() {}

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop()               { t.t.Stop() }

// Exit is how CMD ended.
type Exit struct {
	Code int    // its status, or 128+N for signal N
	Text string // in words: "exited with status 1", "was killed by signal KILL"
}

// Readiness is what CMD says of its readiness: ready, or never (Why), or
// that it needs until Due.
type Readiness struct {
	Ready bool
	Why   string    // not "": CMD will not be ready (ERRNO=, its descriptor closed)
	Due   time.Time // not zero: the deadline moves there (EXTEND_TIMEOUT_USEC=)
}

// Process is one started CMD and what the loop may do to it.
type Process struct {
	PID   int
	Exit  <-chan Exit      // CMD's end, once
	Ready <-chan Readiness // what it says of its readiness; nil without -ready
	// Signal sends a signal to CMD, SignalGroup to its process group.
	Signal      func(os.Signal)
	SignalGroup func(os.Signal)
	// GroupAlive reports whether its group has a member left.
	GroupAlive func() bool
	// IsReady is called once CMD is ready; NotReadyInTime says why CMD
	// was not ready in time (the last STATUS= with it), if it has more
	// to say than the timeout; Close releases what the Process holds,
	// once its group is empty.
	IsReady        func()
	NotReadyInTime func(timeout time.Duration) string
	Close          func()
}

// Config is what run -supervise was asked.
type Config struct {
	Name         string              // CMD's name, in lines
	Restarts     func(code int) bool // whether an exit with code is followed by a restart (-restart, -restart-exit-ok)
	Delay        time.Duration       // -restart-delay
	Max          int                 // -restart-max; 0: no limit
	StopTimeout  time.Duration       // -stop-timeout
	ReadyTimeout time.Duration       // -ready-timeout; 0: no -ready, StartCheck decides
	StartCheck   time.Duration       // without -ready, how long CMD runs before it counts as started
	GroupPoll    time.Duration       // how often an ending group is looked at
	Stops        map[os.Signal]bool  // the signals that are stop requests
	Term, Kill   os.Signal           // TERM and KILL
	// FirstMustStart: the first CMD's failure ends the supervisor
	// (run -detach waits to hear how the start went).
	FirstMustStart bool
}

// Hooks are how the loop acts and tells: all are called from the loop.
type Hooks struct {
	Start       func() (*Process, error)
	Say         func(format string, a ...any)
	SignalName  func(os.Signal) string
	FirstReady  func() // the first CMD has started, or is ready
	StopRequest func() // a stop was requested (STOPPING=1)
	// Publish says the service's state: running (pid), stopping,
	// restarting (next), for status.
	Publish func(state string, pid, restarts int, lastExit string, next time.Time)
	// NotStarted reports that the first CMD did not start, and returns
	// the supervisor's exit status.
	NotStarted func(format string, a ...any) int
}

// The states that Publish says.
const (
	Running    = "running"
	Stopping   = "stopping"
	Restarting = "restarting"
)

// Exit statuses of the loop beside CMD's own.
const (
	exitNotStarted = 3 // a CMD that was not ready, and exited 0 when ended
	exitUnknown    = 4 // CMD could not be started again
)

// The restart delay doubles up to maxDelay; a run of steadyRun starts it,
// and the count of restarts in a row, from the beginning.
const (
	maxDelay  = time.Minute
	steadyRun = time.Minute
)
