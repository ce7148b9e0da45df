package supervise

import (
	"syscall"
	"testing"
	"time"
)

// A CMD that keeps failing is restarted after 1 s, 2 s, 4 s, ... until
// -restart-max restarts in a row are spent; the supervisor exits with its
// status.
func TestRestartsWithBackoff(t *testing.T) {
	w := newWorld(t)
	w.play = func(p *fakeProc) { p.exitAfter(time.Second, 1, "exited with status 1") }
	cfg := config()
	cfg.Max = 2
	if code := w.run(cfg); code != 1 {
		t.Errorf("exit %d, want CMD's 1", code)
	}
	w.want(t,
		"start 1", "first ready", "say process 1 exited with status 1", "close 1",
		"say restarting cmd in 1s", "status: restarting in 1s, 1 in a row",
		"start 2", "say process 2 exited with status 1", "close 2",
		"say restarting cmd in 2s", "status: restarting in 2s, 2 in a row",
		"start 3", "say process 3 exited with status 1", "close 3",
		"say giving up after 2 restarts in a row that each ran less than a minute (-restart-max 2)")
}

// A stop request while waiting to restart ends the supervisor at once,
// with 0.
func TestStopDuringDelay(t *testing.T) {
	w := newWorld(t)
	w.play = func(p *fakeProc) {
		p.exitAfter(time.Second, 2, "exited with status 2")
		w.signal(2*time.Second, syscall.SIGTERM) // one second into the delay
	}
	if code := w.run(config()); code != 0 {
		t.Errorf("exit %d, want 0 after a stop request", code)
	}
	w.want(t,
		"start 1", "first ready", "say process 1 exited with status 2", "close 1",
		"say restarting cmd in 1s", "status: restarting in 1s, 1 in a row",
		"stop requested", "say stop requested (TERM) while waiting to restart")
}

// Signals go to CMD; TERM is a stop request: CMD that ignores it gets KILL
// to its group after -stop-timeout, and the supervisor exits with 0, with
// no restart.
func TestSignalsAndStop(t *testing.T) {
	w := newWorld(t)
	w.play = func(p *fakeProc) {
		p.ignore["TERM"] = true
		w.signal(time.Second, syscall.SIGHUP)
		w.signal(2*time.Second, syscall.SIGTERM)
	}
	cfg := config()
	cfg.Restarts = func(int) bool { return true }
	if code := w.run(cfg); code != 0 {
		t.Errorf("exit %d, want 0 after a stop request", code)
	}
	w.want(t,
		"start 1", "first ready", "signal 1 HUP",
		"stop requested", "say stop requested (TERM): passing it to process 1", "signal 1 TERM",
		"say process 1 did not exit within 5s (-stop-timeout); sending KILL to its process group", "group 1 KILL",
		"say process 1 was killed by signal KILL", "close 1")
}

// What CMD leaves in its group gets TERM when CMD exits, and KILL after
// -stop-timeout if it outlives TERM; only then does CMD start again. A
// signal meanwhile, with no CMD to pass it to, is said to be dropped.
func TestEndingTheGroup(t *testing.T) {
	w := newWorld(t)
	w.play = func(p *fakeProc) {
		if p.pid == 1 {
			p.group, p.groupTOS = true, true
			p.exitAfter(time.Second, 1, "exited with status 1")
			w.signal(2*time.Second, syscall.SIGHUP)
			return
		}
		w.signal(time.Second, syscall.SIGTERM)
	}
	cfg := config()
	if code := w.run(cfg); code != 0 {
		t.Errorf("exit %d, want 0 after a stop request", code)
	}
	w.want(t,
		"start 1", "first ready", "say process 1 exited with status 1",
		"say ending what is left of process group 1", "group 1 TERM",
		"say HUP not passed on: no CMD runs",
		"say process group 1 is not empty after 5s; sending KILL", "group 1 KILL", "close 1",
		"say restarting cmd in 1s", "status: restarting in 1s, 1 in a row",
		"start 2", "stop requested", "say stop requested (TERM): passing it to process 2", "signal 2 TERM",
		"say process 2 was killed by signal TERM", "close 2")
}

// With -ready, CMD that is not ready in time is ended as a stop would end
// it, and counts as a failure even if it exits 0; EXTEND_TIMEOUT_USEC=
// moves the deadline.
func TestNotReady(t *testing.T) {
	w := newWorld(t)
	w.play = func(p *fakeProc) {
		if p.pid == 1 {
			p.say(time.Second, Readiness{Due: w.clk.now.Add(90 * time.Second)}) // deadline 60 s -> 90 s
			return
		}
		p.say(time.Second, Readiness{Ready: true})
		w.signal(2*time.Second, syscall.SIGTERM)
	}
	cfg := config()
	cfg.ReadyTimeout = time.Minute
	if code := w.run(cfg); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	w.want(t,
		"start 1", "signal 1 TERM",
		"say process 1 was not ready within 1m0s; it was killed by signal TERM", "close 1",
		"say restarting cmd in 1s", "status: restarting in 1s, 1 in a row",
		"start 2", "say process 2 is ready", "first ready",
		"stop requested", "say stop requested (TERM): passing it to process 2", "signal 2 TERM",
		"say process 2 was killed by signal TERM", "close 2")
	if got := w.procs[0].termAt.Sub(w.procs[0].startedAt); got != 90*time.Second {
		t.Errorf("CMD 1 was ended %v after its start, want 90s (the extended deadline)", got)
	}
}

// Under run -detach, a first CMD that does not start is reported, and not
// restarted; one that cannot be started at all too.
func TestFirstMustStart(t *testing.T) {
	w := newWorld(t)
	w.play = func(p *fakeProc) { p.exitAfter(100*time.Millisecond, 1, "exited with status 1") }
	cfg := config()
	cfg.FirstMustStart = true
	if code := w.run(cfg); code != 3 {
		t.Errorf("exit %d, want NotStarted's 3", code)
	}
	w.want(t, "start 1", "say process 1 exited with status 1", "close 1",
		"not started: cmd (process 1) exited with status 1 right after it started")
}
