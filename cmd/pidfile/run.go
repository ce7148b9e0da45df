package main

// run: claim a pidfile, then become the command, in the foreground or as a
// daemon (-detach), as this user or another (-user). The lock is taken before
// the command starts and passes to it through exec, so the file names the
// command's PID for its whole life and no second instance can start.
//
// -detach is detach.go; -user is user.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/go-pidfile/pidfile"
)

// launch is what run was asked to do.
type launch struct {
	path    string
	argv    []string // CMD and its arguments
	bin     string   // CMD as found on PATH
	wait    time.Duration
	perm    fs.FileMode
	account *account // -user, or nil
	setup   environment
	// readyFD is the N of -ready fd:N, readyNotify for -ready notify, 0
	// without -ready; readyTimeout bounds the wait.
	readyFD      int
	readyTimeout time.Duration
}

// statusFD is the descriptor of the status pipe in the child of run
// -detach: 3, unless -ready fd:3 takes it.
func (l launch) statusFD() int {
	if l.readyFD == 3 {
		return 4
	}
	return 3
}

// cmdRun is run; detachedChild is set in the child that run -detach starts,
// whose fd 3 is the status pipe.
func cmdRun(args []string, detachedChild bool, stdout, stderr io.Writer) int {
	c := newSubcommand("run", stdout, stderr, exitUsage)
	wait := c.Duration("wait", 0, "wait up to `DURATION` for the holder to let go (e.g. 10s)")
	detach := c.Bool("detach", false, "run CMD as a daemon; print its PID once it runs holding PATH")
	logPath := c.String("log", "", "with -detach, append CMD's standard output and error to `FILE`,\n"+
		"created if missing with mode 0640 less the umask; a symbolic link is not followed")
	userSpec := c.String("user", "", "after claiming PATH, execute CMD as `USER[:GROUP]` (a name or number):\n"+
		"USER's supplementary groups, then its primary group or GROUP, then its UID,\n"+
		"and HOME, USER and LOGNAME to match; root only")
	mode := c.String("mode", "0644", "the permission bits of PATH if run creates it, less the umask: `MODE`\n"+
		"0644, 0640 or 0600 (the narrower, the fewer users can read, or hold, the file)")
	ready := c.String("ready", "", "with -detach, return only once CMD says it is ready: `notify` (CMD sends\n"+
		"READY=1 to $NOTIFY_SOCKET, as sd_notify(3) does; Unix) or fd:N (N >= 3: CMD writes a\n"+
		"newline to its descriptor N, s6's notification-fd)")
	readyTimeout := c.Duration("ready-timeout", 60*time.Second, "with -ready, how long to wait for CMD to be ready: a `DURATION`")
	var setup environment
	setup.define(c)
	if code, ok := c.parse(args, stdout, false); !ok {
		return code
	}
	rest := c.Args()
	l := launch{path: rest[0], argv: rest[1:], wait: *wait, setup: setup}
	if len(l.argv) > 0 && l.argv[0] == "--" {
		l.argv = l.argv[1:]
	}
	if len(l.argv) == 0 {
		return c.fail("missing CMD after PATH --")
	}
	if *logPath != "" && !*detach {
		return c.fail("-log needs -detach")
	}
	if code, bad := c.negative("wait", *wait); bad {
		return code
	}
	if *ready != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(*ready, "fd:"))
		switch {
		case !*detach:
			return c.fail("-ready needs -detach: in the foreground nothing is left to wait")
		case *ready == "notify":
			n = readyNotify
		case !strings.HasPrefix(*ready, "fd:") || err != nil || n < 3 || n > 1023:
			return c.fail(fmt.Sprintf("-ready %s: want notify, or fd:N with N from 3 to 1023", *ready))
		}
		if *readyTimeout <= 0 {
			return c.fail("-ready-timeout must be positive")
		}
		l.readyFD, l.readyTimeout = n, *readyTimeout
	}
	perm, err := strconv.ParseUint(*mode, 8, 32)
	if err != nil || perm&^0o644 != 0 || perm&0o600 != 0o600 {
		return c.fail(fmt.Sprintf("-mode %s: want 0644, 0640 or 0600: read and write for the owner, at most read for others", *mode))
	}
	l.perm = fs.FileMode(perm)

	r := reporter{stderr: stderr}
	if detachedChild {
		r.status = os.NewFile(uintptr(l.statusFD()), "status")
		// The status pipe must end with the exec, or with this process.
		closeOnExec(r.status)
	}
	if !execSupported {
		return r.fail(exitUnknown, "pidfile run: not supported on %s, which cannot execute a command in place of this process: the pidfile could not name it", runtime.GOOS)
	}
	// Look CMD and the user up before claiming, so that a typo never takes
	// the lock.
	if l.bin, err = exec.LookPath(l.argv[0]); errors.Is(err, fs.ErrPermission) {
		return r.fail(exitCannotExec, "pidfile run: %s: not executable", l.argv[0])
	} else if err != nil {
		return r.fail(exitNotFound, "pidfile run: %s: command not found", l.argv[0])
	}
	if *userSpec != "" {
		if l.account, err = lookupAccount(*userSpec); err != nil {
			return r.fail(exitUnknown, "pidfile run: -user %s: %v", *userSpec, err)
		}
	}
	// A malformed -env-file stops run before it claims anything.
	if _, err := l.setup.environ(nil); err != nil {
		return r.fail(exitUnknown, "pidfile run: %v", err)
	}
	if *detach && !detachedChild {
		return startDetached(args, l, *logPath, stdout, stderr)
	}
	if detachedChild {
		// The daemon starts with every signal at its default and none
		// blocked, whatever the caller ignored or blocked (nohup, a
		// shell's &, an init system's mask).
		resetSignals()
	}
	return l.claimAndExec(r)
}

// claimAndExec claims the pidfile, becomes the user if asked, and executes
// CMD in place of this process. It returns only on failure, with the lock
// released.
func (l launch) claimAndExec(r reporter) int {
	claimer := pidfile.Claimer{Perm: l.perm}
	g, err := claimer.Claim(l.path)
	var locked *pidfile.LockedError
	if errors.As(err, &locked) && l.wait > 0 {
		// Say so, for the operator who wonders why nothing happens yet.
		r.note("pidfile run: %s is held by %s; waiting up to %v", l.path, holderText(locked), l.wait)
		ctx, cancel := timeoutContext(l.wait)
		g, err = claimer.ClaimContext(ctx, l.path)
		cancel()
	}
	if errors.As(err, &locked) {
		return r.fail(exitHeld, "pidfile run: %s is held by %s", l.path, holderText(locked))
	}
	if err != nil {
		return r.fail(exitUnknown, "%v", err)
	}
	if err := l.setup.apply(); err != nil {
		g.Close()
		return r.fail(exitUnknown, "pidfile run: %v", err)
	}
	env := os.Environ()
	if l.account != nil {
		if err := becomeUser(l.account); err != nil {
			g.Close()
			return r.fail(exitUnknown, "pidfile run: -user %s: %v", l.account.name, err)
		}
		env = l.account.environ(env)
	}
	env, err = l.setup.environ(env)
	if err != nil {
		g.Close()
		return r.fail(exitUnknown, "pidfile run: %v", err)
	}
	if err := g.KeepOnExec(); err != nil {
		g.Close()
		return r.fail(exitUnknown, "%v", err)
	}
	if err := r.execing(); err != nil {
		// The parent could not be told that the command runs: it must
		// not run unseen.
		g.Close()
		return exitUnknown
	}
	err = execInPlace(l.bin, l.argv, env)
	// Only a failed exec returns; the lock must not outlive it.
	g.Close()
	code := exitCannotExec
	if errors.Is(err, os.ErrNotExist) {
		code = exitNotFound
	}
	return r.fail(code, "pidfile run: cannot execute %s: %v", l.bin, err)
}

// reporter says, in one line, why run stops: on standard error, or, in the
// child of run -detach, to the parent through the status pipe.
type reporter struct {
	stderr io.Writer
	status *os.File
}

// fail reports the message and returns code.
func (r reporter) fail(code int, format string, a ...any) int {
	if r.status != nil {
		fmt.Fprintf(r.status, "%d %s\n", code, printable(fmt.Sprintf(format, a...)))
	} else {
		sayf(r.stderr, format, a...)
	}
	return code
}

// note says something to the operator on the way: on standard error, or,
// in the child of run -detach (whose standard error is the log), through
// the status pipe to the parent, which says it on its own.
func (r reporter) note(format string, a ...any) {
	if r.status != nil {
		fmt.Fprintf(r.status, "%s%s\n", notePrefix, printable(fmt.Sprintf(format, a...)))
	} else {
		sayf(r.stderr, format, a...)
	}
}

// execing tells the parent of a detached child that execve comes next.
func (r reporter) execing() error {
	if r.status == nil {
		return nil
	}
	_, err := io.WriteString(r.status, execMarker)
	return err
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
