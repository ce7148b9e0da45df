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
	"strings"

	"github.com/go-pidfile/pidfile"
)

func cmdKill(args []string, stdout, stderr io.Writer) int {
	c := newSubcommand("kill", "[-s SIGNAL] PATH",
		"Signal the process that holds PATH, and nobody else: on Linux the holder is\n"+
			"confirmed with the kernel's lock table and signalled through a pidfd.\n"+
			"Exit status: 0 sent, 1 not running (nothing sent), 4 error.\n", stdout, stderr, exitUsage)
	name := c.String("s", "TERM", "the `SIGNAL`: a name (TERM, SIGTERM, HUP) or a number")
	if code, ok := c.parse(args, stdout, true); !ok {
		return code
	}
	sig, ok := parseSignal(*name)
	if !ok {
		return c.fail(fmt.Sprintf("unknown signal %q", *name))
	}
	_, err := pidfile.Signal(c.Arg(0), sig)
	switch {
	case errors.Is(err, pidfile.ErrNotRunning):
		fmt.Fprintf(stderr, "pidfile kill: %s: not running; nothing was signalled\n", c.Arg(0))
		return exitNotRunning
	case err != nil:
		fmt.Fprintln(stderr, err)
		return exitUnknown
	}
	return exitOK
}

func cmdWait(args []string, stdout, stderr io.Writer) int {
	c := newSubcommand("wait", "[-timeout DURATION] PATH",
		"Wait until no process holds PATH (or there is no PATH).\n"+
			"Exit status: 0 free, 1 timed out, 4 error.\n", stdout, stderr, exitUsage)
	timeout := c.Duration("timeout", 0, "give up after `DURATION` (default: wait for ever)")
	if code, ok := c.parse(args, stdout, true); !ok {
		return code
	}
	ctx, cancel := timeoutContext(*timeout)
	defer cancel()
	err := pidfile.Wait(ctx, c.Arg(0))
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(stderr, "pidfile wait: %s: still held after %v\n", c.Arg(0), *timeout)
		return exitNotRunning
	case err != nil:
		fmt.Fprintln(stderr, err)
		return exitUnknown
	}
	return exitOK
}

// parseSignal accepts TERM, SIGTERM, sigterm or a number.
func parseSignal(s string) (os.Signal, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return signalNumber(n)
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	sig, ok := signals[name]
	return sig, ok
}
