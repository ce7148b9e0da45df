package main

// kill, wait and stop: the supervisor's subcommands, which act on the
// holder only through the library's Signal and Wait.

import (
	"context"
	"errors"
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
	group := c.Bool("group", false, "signal the process group that the holder leads (run -detach makes it\n"+
		"lead one), wait until the group is empty, and send KILL to the group")
	if code, ok := c.parse(args, stdout, true); !ok {
		return code
	}
	sig, ok := parseSignal(*name)
	if !ok {
		return c.fail(fmt.Sprintf("unknown signal %q", *name))
	}
	if code, bad := c.negative("timeout", *timeout); bad {
		return code
	}
	path := c.Arg(0)
	pgid := 0 // with -group, the group that the holder led
	for i, step := range []struct {
		sig  os.Signal
		wait time.Duration
	}{{sig, *timeout}, {killSignal, killWait}} {
		var pid int
		var err error
		switch {
		case !*group:
			pid, err = pidfile.Signal(path, step.sig)
		case pgid > 0:
			// The group, found through the holder before, is not empty
			// (waitGone said so): its ID is still its own, whoever holds
			// the lock now (its workers may, having inherited it).
			pid, err = pgid, signalGroupID(pgid, step.sig)
		default:
			pid, err = pidfile.SignalGroup(path, step.sig)
		}
		if errors.Is(err, pidfile.ErrNotRunning) && pgid == 0 {
			return exitOK
		}
		if err != nil && !errors.Is(err, pidfile.ErrNotRunning) {
			sayf(stderr, "%v", err)
			return exitUnknown
		}
		if *group && pgid == 0 {
			pgid = pid
		}
		ctx, cancel := context.WithTimeout(context.Background(), step.wait)
		err = waitGone(ctx, path, pgid)
		cancel()
		switch {
		case err == nil:
			return exitOK
		case !errors.Is(err, context.DeadlineExceeded):
			sayf(stderr, "%v", err)
			return exitUnknown
		case i == 0 && pgid > 0:
			sayf(stderr, "pidfile stop: %s: process group %d is not empty after %v; sending KILL", path, pgid, step.wait)
		case i == 0:
			sayf(stderr, "pidfile stop: %s: process %d still holds it after %v; sending KILL", path, pid, step.wait)
		}
	}
	if pgid > 0 {
		sayf(stderr, "pidfile stop: %s: process group %d is not empty after KILL", path, pgid)
		return exitHeld
	}
	sayf(stderr, "pidfile stop: %s: still held by %s after KILL", path, holderNow(path))
	return exitHeld
}

// waitGone waits until nobody holds path and, with pgid, until that process
// group is empty.
func waitGone(ctx context.Context, path string, pgid int) error {
	if err := pidfile.Wait(ctx, path); err != nil {
		return err
	}
	for pgid > 0 && groupAlive(pgid) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
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
