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
	"strings"
	"time"

	"github.com/go-pidfile/pidfile"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/tty"
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
	path := o.path
	for i, step := range steps {
		pid, err := pidfile.Signal(path, step.sig)
		if errors.Is(err, pidfile.ErrNotRunning) {
			return o.done(i > 0)
		}
		if err != nil {
			sayf(stderr, "%v", err)
			return exitUnknown
		}
		o.step("%s sent to process %d; waiting up to %v for it to let go", sigText(step.sig), pid, step.wait)
		ctx, cancel := context.WithTimeout(context.Background(), step.wait)
		err = pidfile.Wait(ctx, path)
		cancel()
		switch {
		case err == nil:
			return o.done(true)
		case !errors.Is(err, context.DeadlineExceeded):
			sayf(stderr, "%v", err)
			return exitUnknown
		case i < len(steps)-1:
			o.warn("%s after %v; sending %s", stillHeld(path, pid), step.wait, sigText(steps[i+1].sig))
		}
	}
	sayf(stderr, "pidfile stop: %s: still held by %s after %s", path, holderNow(path), sigText(steps[len(steps)-1].sig))
	return exitHeld
}

// stopOutput is what stop says on the way: a line per step for a person at
// a terminal, a warning before each escalation (none with -q), and errors.
type stopOutput struct {
	path    string
	stderr  io.Writer
	steps   bool // a line per step: standard error is a terminal, and no -q
	quiet   bool
	started time.Time
}

func newStopOutput(path string, stderr io.Writer, quiet bool) *stopOutput {
	f, _ := stderr.(*os.File)
	return &stopOutput{path: path, stderr: stderr, steps: !quiet && tty.IsFile(f), quiet: quiet, started: time.Now()}
}

// step says one step, on a terminal.
func (o *stopOutput) step(format string, a ...any) {
	if o.steps {
		sayf(o.stderr, "pidfile stop: %s: "+format, append([]any{o.path}, a...)...)
	}
}

// warn says that stop escalates, unless -q.
func (o *stopOutput) warn(format string, a ...any) {
	if !o.quiet {
		sayf(o.stderr, "pidfile stop: %s: "+format, append([]any{o.path}, a...)...)
	}
}

// done ends a stop that left nobody holding path: stopped, if anything
// was signalled, else it was not running.
func (o *stopOutput) done(stopped bool) int {
	if stopped {
		o.step("stopped in %v", time.Since(o.started).Round(100*time.Millisecond))
	} else {
		o.step("not running")
	}
	return exitOK
}

// stopStep is one step of a stop: a signal, and how long to wait after it.
type stopStep struct {
	sig  os.Signal
	wait time.Duration
}

// parseSchedule parses -retry as start-stop-daemon's --retry does:
// SIGNAL/TIMEOUT pairs, or a TIMEOUT alone for TERM/TIMEOUT/KILL/TIMEOUT.
// "forever", which repeats a step without end, is refused: stop ends.
func parseSchedule(s string) ([]stopStep, error) {
	bad := func(why string) ([]stopStep, error) {
		return nil, fmt.Errorf("-retry %s: %s; want SIGNAL/TIMEOUT/SIGNAL/TIMEOUT... (TERM/10/KILL/5) or a TIMEOUT", s, why)
	}
	items := strings.Split(s, "/")
	if len(items) == 1 {
		d, err := parseDuration(s)
		if err != nil || d < 0 {
			return bad("not a timeout")
		}
		term, _ := signalNamed("TERM")
		return []stopStep{{term, d}, {killSignal, d}}, nil
	}
	if len(items)%2 != 0 {
		return bad("a signal without its timeout")
	}
	var steps []stopStep
	for i := 0; i < len(items); i += 2 {
		if items[i] == "forever" || items[i+1] == "forever" {
			return bad("forever is not supported: stop ends")
		}
		sig, ok := parseSignal(strings.TrimPrefix(items[i], "-"))
		if !ok {
			return bad("unknown signal " + strconv.Quote(items[i]))
		}
		d, err := parseDuration(items[i+1])
		if err != nil || d < 0 {
			return bad("not a timeout: " + strconv.Quote(items[i+1]))
		}
		steps = append(steps, stopStep{sig, d})
	}
	return steps, nil
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
