package supervise

import (
	"os"
	"time"
)

// phase is where the loop is in a CMD's life.
type phase int

const (
	starting phase = iota // CMD runs, and is not ready yet
	running               // CMD runs (and is ready, or is being ended for not being)
	ending                // CMD has exited: what is left of its group is being ended
	waiting               // waiting to restart CMD
	done
)

// loop is the supervisor's one state.
type loop struct {
	cfg   Config
	h     Hooks
	clk   Clock
	phase phase
	code  int // the supervisor's exit status, once done

	p        *Process
	began    time.Time // when p started
	exit     Exit
	notReady string // why p is being ended for not being ready
	backoff  backoff
	restarts int    // restarts in a row, as status says them
	lastExit string // how the last CMD ended, as status says it

	started  bool      // the first CMD has started (and is ready)
	stopping bool      // a stop was requested
	stopBy   time.Time // with stopping: when the stop must be over

	// Timers: nil while not armed.
	readyT   Timer         // starting: the deadline of readiness, or the start check
	killT    Timer         // CMD runs: KILL to its group after a stop request or a failed readiness
	groupT   Timer         // ending: KILL to what is left of the group
	groupFor time.Duration // ending: how long the group had before groupT
	pollT    Timer         // ending: look whether the group is empty
	restartT Timer         // waiting: start CMD again
}

// arm sets *t to fire after d, in place of what it was set to.
func (l *loop) arm(t *Timer, d time.Duration) {
	disarm(t)
	*t = l.clk.NewTimer(d)
}

// disarm stops *t.
func disarm(t *Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

// fired is t's channel, or nil (never ready) for a timer not armed.
func fired(t Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C()
}

// Run supervises CMD until it exits for good or a stop is requested, and
// returns the supervisor's exit status. Signals arrive on sigs. It must be
// called where Start may run (the thread that CMD's parent-death signal
// belongs to).
func Run(cfg Config, h Hooks, clk Clock, sigs <-chan os.Signal) int {
	l := &loop{cfg: cfg, h: h, clk: clk, backoff: newBackoff(cfg.Delay, cfg.Max)}
	l.start()
	for l.phase != done {
		var exits <-chan Exit
		var readies <-chan Readiness
		if l.phase == starting || l.phase == running {
			exits = l.p.Exit
		}
		if l.phase == starting {
			readies = l.p.Ready
		}
		l.clk.Idle()
		select {
		case sig := <-sigs:
			l.onSignal(sig)
		case e := <-exits:
			l.onExit(e)
		case r := <-readies:
			l.onReadiness(r)
		case <-fired(l.readyT):
			l.readyT = nil
			l.onReadyTimer()
		case <-fired(l.killT):
			l.killT = nil
			l.onKillTimer()
		case <-fired(l.pollT):
			l.pollT = nil
			l.onPoll()
		case <-fired(l.groupT):
			l.groupT = nil
			l.onGroupTimer()
		case <-fired(l.restartT):
			l.restartT = nil
			l.start()
		}
	}
	return l.code
}

// start starts CMD.
func (l *loop) start() {
	l.notReady = ""
	l.began = l.clk.Now()
	p, err := l.h.Start()
	if err != nil {
		if !l.started {
			l.finish(l.h.NotStarted("cannot start %s: %v", l.cfg.Name, err))
			return
		}
		l.h.Say("cannot start %s again: %v", l.cfg.Name, err)
		l.finish(exitUnknown)
		return
	}
	l.p, l.phase = p, starting
	l.h.Publish(Running, p.PID, l.restarts, l.lastExit, time.Time{})
	if l.cfg.ReadyTimeout > 0 {
		l.arm(&l.readyT, l.cfg.ReadyTimeout)
	} else {
		l.arm(&l.readyT, l.cfg.StartCheck)
	}
}

// onSignal handles a signal to the supervisor: passed on to CMD while it
// runs; a stop request in any phase.
func (l *loop) onSignal(sig os.Signal) {
	stop := l.cfg.Stops[sig] && !l.stopping
	switch l.phase {
	case starting, running:
		if stop {
			l.stopRequested()
			l.h.Say("stop requested (%s): passing it to process %d", l.h.SignalName(sig), l.p.PID)
			l.arm(&l.killT, l.cfg.StopTimeout)
		}
		l.p.Signal(sig)
	case ending:
		if stop {
			// What is left of the group has what is left of the
			// stop's time.
			l.stopRequested()
			l.groupFor = l.groupWait()
			l.arm(&l.groupT, l.groupFor)
		} else if !l.cfg.Stops[sig] {
			l.h.Say("%s not passed on: no CMD runs", l.h.SignalName(sig))
		}
	case waiting:
		if stop {
			l.stopRequested()
			l.h.Say("stop requested (%s) while waiting to restart", l.h.SignalName(sig))
			l.finish(0)
		} else if !l.cfg.Stops[sig] {
			l.h.Say("%s not passed on: no CMD runs", l.h.SignalName(sig))
		}
	}
}

// onReadiness handles what CMD says of its readiness.
func (l *loop) onReadiness(r Readiness) {
	switch {
	case r.Ready:
		l.becameReady()
	case r.Why != "":
		l.notReadyStop(r.Why)
	case !r.Due.IsZero():
		l.arm(&l.readyT, max(r.Due.Sub(l.clk.Now()), 0))
	}
}

// onReadyTimer: without -ready the start check has passed; with it, CMD
// was not ready in time.
func (l *loop) onReadyTimer() {
	if l.cfg.ReadyTimeout == 0 {
		l.becameReady()
		return
	}
	why := "was not ready within " + l.cfg.ReadyTimeout.String()
	if l.p.NotReadyInTime != nil {
		why = l.p.NotReadyInTime(l.cfg.ReadyTimeout)
	}
	l.notReadyStop(why)
}

// becameReady: CMD has started; the first time, whoever waits is told.
func (l *loop) becameReady() {
	l.phase = running
	disarm(&l.readyT)
	if l.p.IsReady != nil {
		l.p.IsReady()
	}
	if l.cfg.ReadyTimeout > 0 {
		l.h.Say("process %d is ready", l.p.PID)
	}
	if !l.started {
		l.started = true
		l.h.FirstReady()
	}
}

// notReadyStop ends CMD, which will not be ready, as a stop would end it.
func (l *loop) notReadyStop(why string) {
	l.phase, l.notReady = running, why
	disarm(&l.readyT)
	l.p.Signal(l.cfg.Term)
	l.arm(&l.killT, l.cfg.StopTimeout)
}

// onKillTimer: CMD did not exit within -stop-timeout.
func (l *loop) onKillTimer() {
	l.h.Say("process %d did not exit within %v (-stop-timeout); sending KILL to its process group", l.p.PID, l.cfg.StopTimeout)
	l.p.SignalGroup(l.cfg.Kill)
}

// finish ends the loop with code, every timer stopped.
func (l *loop) finish(code int) {
	l.phase, l.code = done, code
	for _, t := range []*Timer{&l.readyT, &l.killT, &l.groupT, &l.pollT, &l.restartT} {
		disarm(t)
	}
}

// stopRequested records a stop request.
func (l *loop) stopRequested() {
	l.stopping, l.stopBy = true, l.clk.Now().Add(l.cfg.StopTimeout)
	l.h.StopRequest()
}
