package supervise

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeClock is a Clock whose time moves only when the loop is idle, and
// then to the next event, one at a time: a timer that fires, or something
// the world does (a CMD exits, says it is ready, a signal arrives). One
// event at a time keeps the loop's select from choosing among several.
type fakeClock struct {
	t      *testing.T
	now    time.Time
	events []event
	seq    int
}

type event struct {
	at  time.Time
	seq int
	do  func()
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1)}
	t.seq = c.at(d, func() { t.ch <- c.now })
	return t
}

// fakeTimer is a timer of a fakeClock: an event that Stop takes back.
type fakeTimer struct {
	c   *fakeClock
	seq int
	ch  chan time.Time
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() {
	t.c.events = slices.DeleteFunc(t.c.events, func(e event) bool { return e.seq == t.seq })
}

// at schedules do after d, and returns the event's number.
func (c *fakeClock) at(d time.Duration, do func()) int {
	c.seq++
	c.events = append(c.events, event{c.now.Add(d), c.seq, do})
	return c.seq
}

func (c *fakeClock) Idle() {
	if len(c.events) == 0 {
		c.t.Fatal("the loop waits, and nothing will happen")
	}
	i := 0
	for j, e := range c.events {
		if e.at.Before(c.events[i].at) || e.at.Equal(c.events[i].at) && e.seq < c.events[i].seq {
			i = j
		}
	}
	e := c.events[i]
	c.events = slices.Delete(c.events, i, i+1)
	c.now = e.at
	e.do()
}

// world plays CMDs and records what the loop did to them and said, in
// order, as lines.
type world struct {
	clk   *fakeClock
	log   []string
	procs []*fakeProc
	sigs  chan os.Signal
	// play, if set, is called for each new CMD, to script it.
	play     func(p *fakeProc)
	startErr error
}

// fakeProc is one CMD: by default it runs until a signal that ends it.
type fakeProc struct {
	w                 *world
	pid               int
	exit              chan Exit
	ready             chan Readiness
	group             bool            // its group has members
	ignore            map[string]bool // signals it ignores
	groupTOS          bool            // what it left in its group outlives TERM
	ended             bool            // its exit is on its way
	startedAt, termAt time.Time
}

func newWorld(t *testing.T) *world {
	return &world{clk: &fakeClock{t: t, now: time.Unix(1000, 0)}, sigs: make(chan os.Signal, 1)}
}

func (w *world) record(format string, a ...any) { w.log = append(w.log, fmt.Sprintf(format, a...)) }

func sigName(sig os.Signal) string {
	return map[os.Signal]string{syscall.SIGTERM: "TERM", syscall.SIGHUP: "HUP", syscall.SIGKILL: "KILL", syscall.SIGINT: "INT"}[sig]
}

// exitAfter makes p exit with code and text after d, unless it is ending
// already.
func (p *fakeProc) exitAfter(d time.Duration, code int, text string) {
	if !p.ended {
		p.ended = true
		p.w.clk.at(d, func() { p.exit <- Exit{code, text} })
	}
}

// say makes p say r after d.
func (p *fakeProc) say(d time.Duration, r Readiness) {
	p.w.clk.at(d, func() { p.ready <- r })
}

// signal sends sig to the supervisor after d.
func (w *world) signal(d time.Duration, sig os.Signal) {
	w.clk.at(d, func() { w.sigs <- sig })
}

func (w *world) hooks() Hooks {
	return Hooks{
		Start: func() (*Process, error) {
			if w.startErr != nil {
				return nil, w.startErr
			}
			p := &fakeProc{w: w, pid: len(w.procs) + 1, exit: make(chan Exit, 1), ready: make(chan Readiness, 1), ignore: map[string]bool{}, startedAt: w.clk.now}
			w.procs = append(w.procs, p)
			w.record("start %d", p.pid)
			if w.play != nil {
				w.play(p)
			}
			return &Process{
				PID: p.pid, Exit: p.exit, Ready: p.ready,
				Signal: func(sig os.Signal) {
					w.record("signal %d %s", p.pid, sigName(sig))
					if sig == syscall.SIGTERM {
						p.termAt = w.clk.now
					}
					if sig == syscall.SIGTERM && !p.ignore["TERM"] {
						p.exitAfter(time.Millisecond, 143, "was killed by signal TERM")
					}
					if sig == syscall.SIGKILL {
						p.exitAfter(0, 137, "was killed by signal KILL")
					}
				},
				SignalGroup: func(sig os.Signal) {
					w.record("group %d %s", p.pid, sigName(sig))
					if sig == syscall.SIGKILL {
						p.group = false
						p.exitAfter(0, 137, "was killed by signal KILL")
					}
					if sig == syscall.SIGTERM && !p.groupTOS {
						p.group = false
					}
				},
				GroupAlive: func() bool { return p.group },
				Close:      func() { w.record("close %d", p.pid) },
			}, nil
		},
		Say:         func(format string, a ...any) { w.record("say "+format, a...) },
		SignalName:  sigName,
		FirstReady:  func() { w.record("first ready") },
		StopRequest: func() { w.record("stop requested") },
		Publish: func(state string, pid, restarts int, lastExit string, next time.Time) {
			if state == Restarting {
				w.record("status: restarting in %v, %d in a row", next.Sub(w.clk.now), restarts)
			}
		},
		NotStarted: func(format string, a ...any) int { w.record("not started: "+format, a...); return 3 },
	}
}

func config() Config {
	return Config{
		Name: "cmd", Restarts: func(code int) bool { return code != 0 },
		Delay: time.Second, StopTimeout: 5 * time.Second, StartCheck: 200 * time.Millisecond, GroupPoll: 10 * time.Millisecond,
		Stops: map[os.Signal]bool{syscall.SIGTERM: true, syscall.SIGINT: true, syscall.SIGQUIT: true},
		Term:  syscall.SIGTERM, Kill: syscall.SIGKILL,
	}
}

func (w *world) run(cfg Config) int { return Run(cfg, w.hooks(), w.clk, w.sigs) }

func (w *world) want(t *testing.T, want ...string) {
	t.Helper()
	if got := strings.Join(w.log, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("the loop did\n%s\n\nwant\n%s", got, strings.Join(want, "\n"))
	}
}
