package supervise

// After CMD has exited: what is left of its group is ended, then CMD is
// restarted, or the loop is done.

import "time"

// onExit: CMD has exited; what is left of its group is ended next.
func (l *loop) onExit(e Exit) {
	l.exit = e
	disarm(&l.readyT)
	disarm(&l.killT)
	l.lastExit = "CMD " + e.Text
	if l.notReady != "" {
		l.lastExit = "CMD " + l.notReady
		l.h.Say("process %d %s; it %s", l.p.PID, l.notReady, e.Text)
	} else {
		l.h.Say("process %d %s", l.p.PID, e.Text)
	}
	l.h.Publish(Stopping, 0, l.restarts, l.lastExit, time.Time{})
	l.phase = ending
	if !l.p.GroupAlive() {
		l.afterGroup()
		return
	}
	l.h.Say("ending what is left of process group %d", l.p.PID)
	l.p.SignalGroup(l.cfg.Term)
	l.groupFor = l.groupWait()
	l.arm(&l.groupT, l.groupFor)
	l.arm(&l.pollT, l.cfg.GroupPoll)
}

// onPoll: is the group empty yet?
func (l *loop) onPoll() {
	if !l.p.GroupAlive() {
		l.afterGroup()
		return
	}
	l.arm(&l.pollT, l.cfg.GroupPoll)
}

// onGroupTimer: what is left of the group gets KILL.
func (l *loop) onGroupTimer() {
	l.h.Say("process group %d is not empty after %v; sending KILL", l.p.PID, l.groupFor)
	l.p.SignalGroup(l.cfg.Kill)
}

// afterGroup decides, once CMD's group is empty, whether CMD starts again.
func (l *loop) afterGroup() {
	disarm(&l.groupT)
	disarm(&l.pollT)
	l.p.Close()
	ran := l.clk.Now().Sub(l.began)
	code := l.exit.Code
	if !l.started && l.cfg.FirstMustStart {
		why := l.exit.Text + " right after it started"
		if l.cfg.ReadyTimeout > 0 {
			why = l.exit.Text + " before it was ready"
		}
		if l.notReady != "" {
			why = l.notReady
		}
		l.finish(l.h.NotStarted("%s (process %d) %s", l.cfg.Name, l.p.PID, why))
		return
	}
	if l.stopping {
		l.finish(0)
		return
	}
	if l.notReady != "" && code == 0 {
		code = exitNotStarted // not ready is a failure, whatever CMD said when it was ended
	}
	if !l.cfg.Restarts(code) {
		l.finish(code)
		return
	}
	delay, ok := l.backoff.after(ran)
	if !ok {
		l.h.Say("giving up after %d restarts in a row that each ran less than a minute (-restart-max %d)", l.backoff.restarts, l.backoff.max)
		l.finish(code)
		return
	}
	l.h.Say("restarting %s in %v", l.cfg.Name, delay)
	l.restarts = l.backoff.restarts
	l.h.Publish(Restarting, 0, l.restarts, l.lastExit, l.clk.Now().Add(delay))
	l.phase = waiting
	l.arm(&l.restartT, delay)
}

// groupWait is how long what is left of CMD's group has before KILL:
// -stop-timeout, but after a stop request what is left of it, so that the
// whole stop takes no longer than that.
func (l *loop) groupWait() time.Duration {
	if l.stopping {
		return max(min(l.cfg.StopTimeout, l.stopBy.Sub(l.clk.Now())), 0)
	}
	return l.cfg.StopTimeout
}
