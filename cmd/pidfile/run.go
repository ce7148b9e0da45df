package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strconv"

	"github.com/go-pidfile/pidfile"
)

func cmdRun(args []string, stdout, stderr io.Writer) int {
	c := newSubcommand("run", "[-wait DURATION] PATH -- CMD [ARGS...]",
		"Claim PATH, then execute CMD in place of this process, so that CMD has the PID\n"+
			"the pidfile names and holds the lock for its whole life.\n"+
			"Exit status: 1 if another process holds PATH, 127 if CMD is not found, 126 if\n"+
			"it cannot be executed, otherwise CMD's own.\n", stdout, stderr, exitUsage)
	wait := c.Duration("wait", 0, "wait up to `DURATION` for the holder to let go (e.g. 10s)")
	if code, ok := c.parse(args, stdout, false); !ok {
		return code
	}
	rest := c.Args()
	path, cmd := rest[0], rest[1:]
	if len(cmd) > 0 && cmd[0] == "--" {
		cmd = cmd[1:]
	}
	if len(cmd) == 0 {
		return c.fail("missing CMD after PATH --")
	}
	// Look CMD up before claiming, so that a typo never takes the lock.
	bin, err := exec.LookPath(cmd[0])
	if errors.Is(err, fs.ErrPermission) {
		fmt.Fprintf(stderr, "pidfile run: %s: not executable\n", cmd[0])
		return exitCannotExec
	}
	if err != nil {
		fmt.Fprintf(stderr, "pidfile run: %s: command not found\n", cmd[0])
		return exitNotFound
	}

	g, err := pidfile.Claim(path)
	var locked *pidfile.LockedError
	if errors.As(err, &locked) && *wait > 0 {
		// Say so, for the operator who wonders why nothing happens yet.
		fmt.Fprintf(stderr, "pidfile run: %s is held by %s; waiting up to %v\n", path, holderText(locked), *wait)
		ctx, cancel := timeoutContext(*wait)
		g, err = pidfile.ClaimContext(ctx, path)
		cancel()
	}
	if errors.As(err, &locked) {
		fmt.Fprintf(stderr, "pidfile run: %s is held by %s\n", path, holderText(locked))
		return exitNotRunning
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUnknown
	}
	if err := g.KeepOnExec(); err != nil {
		g.Close()
		fmt.Fprintln(stderr, err)
		return exitUnknown
	}
	err = execInPlace(bin, cmd, os.Environ())
	// Only a failed exec returns; the lock must not outlive it.
	g.Close()
	fmt.Fprintf(stderr, "pidfile run: cannot execute %s: %v\n", bin, err)
	if errors.Is(err, os.ErrNotExist) {
		return exitNotFound
	}
	return exitCannotExec
}

// holderText names the holder of a LockedError for a message.
func holderText(e *pidfile.LockedError) string {
	if e.PID > 0 {
		return "process " + strconv.Itoa(e.PID)
	}
	if e.Err != nil && !errors.Is(e.Err, context.DeadlineExceeded) {
		return "a process whose PID cannot be told (" + e.Err.Error() + ")"
	}
	return "a process whose PID cannot be told"
}
