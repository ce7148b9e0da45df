package main

// What stop does in steps: its schedule (-retry), and what it says of each
// step.

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/tty"
)

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
