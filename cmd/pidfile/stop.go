package main

// kill, wait and stop: the supervisor's subcommands, which act on the
// holder only through the library's Signal and Wait.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/go-pidfile/pidfile"
)

func cmdKill(args []string, stdout, stderr io.Writer) int {
	c := newSubcommand("kill", stdout, stderr, exitUsage)
	name := c.String("s", "TERM", "the `SIGNAL`: a name (TERM, SIGTERM, HUP) or a number")
	group := c.Bool("group", false, "signal the process group that the holder leads (run -detach makes it\n"+
		"lead one), so that the workers it forked get it too; refused if it leads none")
	if code, ok := c.parse(args, stdout, true); !ok {
		return code
	}
	sig, ok := parseSignal(*name)
	if !ok {
		return c.fail(fmt.Sprintf("unknown signal %q", *name))
	}
	signal := pidfile.Signal
	if *group {
		signal = pidfile.SignalGroup
	}
	_, err := signal(c.Arg(0), sig)
	switch {
	case errors.Is(err, pidfile.ErrNotRunning):
		sayf(stderr, "pidfile kill: %s: not running; nothing was signalled", c.Arg(0))
		return exitNotRunning
	case err != nil:
		sayf(stderr, "%v", err)
		return exitUnknown
	}
	return exitOK
}

func cmdWait(args []string, stdout, stderr io.Writer) int {
	c := newSubcommand("wait", stdout, stderr, exitUsage)
	timeout := c.Duration("timeout", 0, "give up after `DURATION` (default: wait for ever)")
	if code, ok := c.parse(args, stdout, true); !ok {
		return code
	}
	if code, bad := c.negative("timeout", *timeout); bad {
		return code
	}
	ctx, cancel := timeoutContext(*timeout)
	defer cancel()
	err := pidfile.Wait(ctx, c.Arg(0))
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		sayf(stderr, "pidfile wait: %s: still held after %v", c.Arg(0), *timeout)
		return exitTimedOut
	case err != nil:
		sayf(stderr, "%v", err)
		return exitUnknown
	}
	return exitOK
}

// parseSignal accepts TERM, SIGTERM, sigterm or a number.
func parseSignal(s string) (os.Signal, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return signalNumber(n)
	}
	return signalNamed(s)
}

// killWait is how long stop waits after KILL: the kernel ends the process
// at once, but its exit can take a moment on a loaded machine.
const killWait = 5 * time.Second

func cmdStop(args []string, stdout, stderr io.Writer) int {
	c := newSubcommand("stop", stdout, stderr, exitUsage)
	name := c.String("s", "TERM", "the first `SIGNAL`: a name (TERM, INT, HUP) or a number")
	timeout := c.Duration("timeout", 10*time.Second, "how long to wait after SIGNAL before KILL: a `DURATION` (0: at once)")
	retry := c.String("retry", "", "instead of -s and -timeout, a `SCHEDULE` as start-stop-daemon's --retry takes\n"+
		"it: SIGNAL/TIMEOUT/SIGNAL/TIMEOUT... (TERM/10/KILL/5), or a TIMEOUT alone\n"+
		"(TERM/TIMEOUT/KILL/TIMEOUT); a TIMEOUT is seconds or a DURATION")
	group := c.Bool("group", false, "signal the process group that the holder leads (run -detach makes it\n"+
		"lead one), wait until the group is empty, and send KILL to the group")
	quiet := c.Bool("q", false, "say nothing but errors (else, with standard error a terminal, one line\n"+
		"per step; and a line before KILL in any case)")
	if code, ok := c.parse(args, stdout, true); !ok {
		return code
	}
	set := map[string]bool{}
	c.Visit(func(f *flag.Flag) { set[f.Name] = true })
	sig, ok := parseSignal(*name)
	if !ok {
		return c.fail(fmt.Sprintf("unknown signal %q", *name))
	}
	if code, bad := c.negative("timeout", *timeout); bad {
		return code
	}
	steps := []stopStep{{sig, *timeout}, {killSignal, killWait}}
	if set["retry"] {
		if set["s"] || set["timeout"] {
			return c.fail("-retry replaces -s and -timeout")
		}
		var err error
		if steps, err = parseSchedule(*retry); err != nil {
			return c.fail(err.Error())
		}
	}
	o := newStopOutput(c.Arg(0), stderr, *quiet)
	if *group {
		return stopGroup(o, steps)
	}
	return stopHolder(o, steps)
}

// stopHolder is stop without -group: the library's StopSteps, which sends
// every signal after the first only to the process that the first reached,
// and says each step.
func stopHolder(o *stopOutput, steps []stopStep) int {
	path, stderr := o.path, o.stderr
	schedule := make([]pidfile.StopStep, len(steps))
	for i, s := range steps {
		schedule[i] = pidfile.StopStep{Signal: s.sig, Wait: s.wait}
	}
	st, err := pidfile.StopSteps(context.Background(), path, schedule, func(e pidfile.StopEvent) {
		if e.Step > 0 {
			o.warn("process %d still holds it after %v; sending %s", e.PID, steps[e.Step-1].wait, sigText(steps[e.Step].sig))
		}
		o.step("%s sent to process %d; waiting up to %v for it to let go", sigText(steps[e.Step].sig), e.PID, steps[e.Step].wait)
	})
	switch {
	case err == nil:
		return o.done(st.PID > 0)
	case errors.Is(err, pidfile.ErrInheritedLock) && st.PID > 0:
		sayf(stderr, "pidfile stop: %s: %s", path, stillHeld(path, st.PID))
		return exitHeld
	case errors.Is(err, context.DeadlineExceeded):
		sayf(stderr, "pidfile stop: %s: still held by %s after %s", path, holderNow(path), sigText(steps[len(steps)-1].sig))
		return exitHeld
	case errors.Is(err, pidfile.ErrLocked) && st.PID > 0:
		sayf(stderr, "%v", err) // another process took it: named, not signalled
		return exitHeld
	}
	sayf(stderr, "%v", err)
	return exitUnknown
}

// stopGroup is stop -group: sig, then KILL, to the process group that the
// holder leads, each only while the group is proven to be that one (see
// group.go), until the group is empty and nobody holds path.
func stopGroup(o *stopOutput, steps []stopStep) int {
	path, stderr := o.path, o.stderr
	g, err := holderGroup(path)
	switch {
	case errors.Is(err, pidfile.ErrNotRunning):
		return o.done(false)
	case err != nil:
		sayf(stderr, "%v", err)
		return exitUnknown
	}
	defer g.close()
	for i, step := range steps {
		switch err := g.signal(step.sig); err {
		case nil, errGroupGone:
		default:
			sayf(stderr, "pidfile stop: %s: process group %d: %v", path, g.pgid, err)
			return exitUnknown
		}
		o.step("%s sent to process group %d; waiting up to %v for it to empty", sigText(step.sig), g.pgid, step.wait)
		gone, err := waitGone(path, g, step.wait)
		switch {
		case err != nil:
			sayf(stderr, "%v", err)
			return exitUnknown
		case gone:
			return o.done(true)
		}
		alive, err := g.alive()
		switch {
		case err != nil:
			sayf(stderr, "pidfile stop: %s: process group %d is not empty after %v, and %v", path, g.pgid, step.wait, err)
			return exitUnknown
		case !alive:
			// What holds the lock left the group (setsid): it is not
			// the group's to end, and nothing proves whose it is.
			sayf(stderr, "pidfile stop: %s: process group %d is empty, but the pidfile is still held by %s, which left the group; it was not signalled", path, g.pgid, holderNow(path))
			return exitHeld
		case i < len(steps)-1:
			o.warn("process group %d is not empty after %v; sending %s", g.pgid, step.wait, sigText(steps[i+1].sig))
		}
	}
	sayf(stderr, "pidfile stop: %s: process group %d is not empty after %s", path, g.pgid, sigText(steps[len(steps)-1].sig))
	return exitHeld
}

// waitGone waits up to d until g is empty and nobody holds path, and
// reports whether both came true.
func waitGone(path string, g *processGroup, d time.Duration) (bool, error) {
	deadline := time.Now().Add(d)
	if gone, err := waitGroupGone(g, d); err != nil || !gone {
		return false, err
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	err := pidfile.Wait(ctx, path)
	if errors.Is(err, context.DeadlineExceeded) {
		return false, nil
	}
	return err == nil, err
}

// stillHeld says who holds path after process pid was signalled, for
// stop's message before KILL.
func stillHeld(path string, pid int) string {
	s := look(path)
	switch {
	case s.State == "running" && s.PID == pid:
		return "process " + strconv.Itoa(pid) + " still holds it"
	case s.State == "running" && s.PID > 0:
		return "process " + strconv.Itoa(s.PID) + " holds it now"
	case errors.Is(s.err, pidfile.ErrInheritedLock):
		return "process " + strconv.Itoa(pid) + " has exited, but processes that inherited its descriptor still hold it " +
			"(the kernel names none of them: stop -group ends the process group they are likely in)"
	case s.State == "running":
		return "it is still held by " + holderNow(path)
	}
	return "it is still held"
}

// holderNow names whoever holds path now, for a message.
func holderNow(path string) string {
	s := look(path)
	if s.State == "running" && s.PID > 0 {
		return "process " + strconv.Itoa(s.PID)
	}
	if s.Error != "" {
		return "a process whose PID cannot be told (" + s.Error + ")"
	}
	return "nobody any more"
}
