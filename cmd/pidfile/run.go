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
	"flag"
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

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/printable"
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
	logPath      string       // -log, or ""
	sup          *supervision // -supervise, or nil
	args         []string     // run's own arguments, for the processes it starts
}

// statusFD is the descriptor of the status pipe in the child of run
// -detach: 3, unless -ready fd:3 takes it (a supervisor keeps -ready's
// descriptor for CMD, not for itself).
func (l launch) statusFD() int {
	if l.readyFD == 3 && l.sup == nil {
		return 4
	}
	return 3
}

// runnerRole says which of run's processes this is.
type runnerRole int

const (
	roleCaller     runnerRole = iota // run, as a user typed it
	roleDetached                     // the child of run -detach: claims, then execs CMD or supervises it
	roleSupervised                   // the child of a supervisor: sets CMD's environment up, then execs it
)

// cmdRun is run, in the process that role says.
func cmdRun(args []string, role runnerRole, stdout, stderr io.Writer) int {
	supervisor := 0 // the supervisor's PID, in roleSupervised
	if role == roleSupervised {
		if len(args) == 0 {
			return exitUsage
		}
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return exitUsage
		}
		supervisor, args = n, args[1:]
	}
	c := newSubcommand("run", stdout, stderr, exitUsage)
	wait := c.Duration("wait", 0, "wait up to `DURATION` for the holder to let go (e.g. 10s)")
	detach := c.Bool("detach", false, "run CMD (or with -supervise, the supervisor) as a daemon; print its PID\n"+
		"once it runs holding PATH")
	logPath := c.String("log", "", "with -detach or -supervise, append CMD's standard output and error to `FILE`,\n"+
		"created if missing with mode 0640 less the umask; a symbolic link is not followed")
	userSpec := c.String("user", "", "after claiming PATH, execute CMD as `USER[:GROUP]` (a name or number):\n"+
		"USER's supplementary groups, then its primary group or GROUP, then its UID,\n"+
		"and HOME, USER and LOGNAME to match; root only")
	mode := c.String("mode", "0644", "the permission bits of PATH if run creates it, less the umask: `MODE`\n"+
		"0644, 0640 or 0600 (the narrower, the fewer users can read, or hold, the file)")
	ready := c.String("ready", "", "with -detach or -supervise, wait until CMD says it is ready: `notify` (CMD\n"+
		"sends READY=1 to $NOTIFY_SOCKET, as sd_notify(3) does; Unix) or fd:N (N >= 3:\n"+
		"CMD writes a newline to its descriptor N, s6's notification-fd)")
	readyTimeout := c.Duration("ready-timeout", 60*time.Second, "with -ready, how long to wait for CMD to be ready: a `DURATION`")
	supervise := c.Bool("supervise", false, "stay, holding PATH, and run CMD as a child that never holds it: forward\n"+
		"signals to it, end what it leaves in its process group, restart it if asked\n"+
		"(Linux and FreeBSD)")
	restart := c.String("restart", "never", "with -supervise, when to start CMD again after it exits: `WHEN`\n"+
		"never, on-failure (a non-zero status, or a signal that was no stop request)\n"+
		"or always (any exit that was no stop request)")
	restartDelay := c.Duration("restart-delay", time.Second, "with -supervise, the first wait before a restart: a `DURATION`; it doubles per\n"+
		"restart up to a minute, and starts again once CMD has run for a minute")
	restartMax := c.Int("restart-max", 0, "with -supervise, give up after `N` restarts in a row that each ran less than a\n"+
		"minute, exiting with CMD's last status (0: never give up)")
	stopTimeout := c.Duration("stop-timeout", 5*time.Second, "with -supervise, how long CMD's process group has to exit after a stop\n"+
		"request (or after CMD exited) before it gets KILL: a `DURATION`; keep it below\n"+
		"pidfile stop's -timeout")
	logSize := c.String("log-size", "", "with -supervise and -log, rotate FILE before it would pass `SIZE` (bytes,\n"+
		"or with K, M or G): FILE becomes FILE.1, FILE.1 becomes FILE.2, ...")
	exitOK := c.String("restart-exit-ok", "0", "with -supervise, the exit statuses of CMD that are success, which -restart\n"+
		"on-failure does not restart: `LIST` of numbers and signal names (0,3,TERM)")
	logKeep := c.Int("log-keep", 5, "with -log-size, how many rotated files to keep: `N` (at most 1000)")
	var setup environment
	setup.define(c)
	if code, ok := c.parse(args, stdout, false); !ok {
		return code
	}
	set := map[string]bool{}
	c.Visit(func(f *flag.Flag) { set[f.Name] = true })
	rest := c.Args()
	l := launch{path: rest[0], argv: rest[1:], wait: *wait, setup: setup, logPath: *logPath, args: args}
	if len(l.argv) > 0 && l.argv[0] == "--" {
		l.argv = l.argv[1:]
	}
	if len(l.argv) == 0 {
		return c.fail("missing CMD after PATH --")
	}
	if *logPath != "" && !*detach && !*supervise {
		return c.fail("-log needs -detach or -supervise")
	}
	if code, bad := c.negative("wait", *wait); bad {
		return code
	}
	for _, name := range []string{"restart", "restart-delay", "restart-max", "restart-exit-ok", "stop-timeout", "log-size", "log-keep"} {
		if set[name] && !*supervise {
			return c.fail("-" + name + " needs -supervise")
		}
	}
	if *supervise {
		l.sup = &supervision{delay: *restartDelay, max: *restartMax, stopTimeout: *stopTimeout, logKeep: *logKeep}
		var err error
		if l.sup.restart, err = parseRestart(*restart); err != nil {
			return c.fail(err.Error())
		}
		switch {
		case *restartDelay <= 0:
			return c.fail("-restart-delay must be positive")
		case *restartMax < 0:
			return c.fail("negative -restart-max")
		case *stopTimeout <= 0:
			return c.fail("-stop-timeout must be positive")
		case *logKeep < 1 || *logKeep > maxLogKeep:
			return c.fail(fmt.Sprintf("-log-keep must be from 1 to %d", maxLogKeep))
		case (set["log-size"] || set["log-keep"]) && *logPath == "":
			return c.fail("-log-size and -log-keep need -log")
		case set["log-keep"] && !set["log-size"]:
			return c.fail("-log-keep needs -log-size")
		}
		if *logSize != "" {
			if l.sup.logSize, err = parseSize(*logSize); err != nil {
				return c.fail(err.Error())
			}
		}
		if set["restart-exit-ok"] {
			if l.sup.exitOK, err = parseExitOK(*exitOK); err != nil {
				return c.fail(err.Error())
			}
		}
	}
	if *ready != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(*ready, "fd:"))
		switch {
		case !*detach && !*supervise:
			return c.fail("-ready needs -detach or -supervise: in the foreground nothing is left to wait")
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
	if role == roleDetached {
		r.status = os.NewFile(uintptr(l.statusFD()), "status")
		// The status pipe must end with the exec, or with this process.
		closeOnExec(r.status)
	}
	if !execSupported {
		return r.fail(exitUnknown, "pidfile run: not supported on %s, which cannot execute a command in place of this process: the pidfile could not name it", runtime.GOOS)
	}
	if l.sup != nil && !superviseSupported {
		return r.fail(exitUnknown, "pidfile run -supervise: not supported on %s, which cannot make the kernel end CMD when the supervisor dies", runtime.GOOS)
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
	// The -env-file files are read here, once, by the run that a user
	// started: a malformed one stops run before it claims anything.
	if role == roleCaller {
		err = l.setup.resolve()
	} else {
		err = l.setup.inherit()
	}
	if err != nil {
		return r.fail(exitUnknown, "pidfile run: %v", err)
	}
	switch {
	case role == roleSupervised:
		// CMD starts with no signal ignored or blocked, as a daemon
		// of -detach does, whatever the supervisor's caller ignored.
		resetSignals()
		return l.execSupervised(r, supervisor)
	case *detach && role == roleCaller:
		return startDetached(args, l, stdout, stderr)
	case role == roleDetached:
		// The daemon starts with every signal at its default and none
		// blocked, whatever the caller ignored or blocked (nohup, a
		// shell's &, an init system's mask).
		resetSignals()
		// A detached supervisor is "pidfile" to ps -C and pgrep, not
		// "exe" (this program was started as /proc/self/exe).
		nameProcess("pidfile")
	}
	if l.sup != nil {
		return l.supervise(r)
	}
	return l.claimAndExec(r)
}

// claimAndExec claims the pidfile, becomes the user if asked, and executes
// CMD in place of this process. It returns only on failure, with the lock
// released.
func (l launch) claimAndExec(r reporter) int {
	g, code := l.claim(r)
	if g == nil {
		return code
	}
	// Only a failed exec returns; the lock must not outlive it.
	defer g.Close()
	return l.execCMD(r, g.KeepOnExec)
}

// execCMD sets CMD's execution environment up in this process, becomes the
// user if asked, calls last, and executes CMD in place of this process. It
// returns only on failure.
func (l launch) execCMD(r reporter, last func() error) int {
	if err := l.setup.apply(); err != nil {
		return r.fail(exitUnknown, "pidfile run: %v", err)
	}
	env := os.Environ()
	if l.account != nil {
		if err := becomeUser(l.account); err != nil {
			return r.fail(exitUnknown, "pidfile run: -user %s: %v", l.account.name, err)
		}
		env = l.account.environ(env)
	}
	env = l.setup.environ(env)
	if err := last(); err != nil {
		return r.fail(exitUnknown, "%v", err)
	}
	if err := r.execing(); err != nil {
		// The parent could not be told that the command runs: it must
		// not run unseen.
		return exitUnknown
	}
	err := execInPlace(l.bin, l.argv, env)
	code := exitCannotExec
	if errors.Is(err, os.ErrNotExist) {
		code = exitNotFound
	}
	return r.fail(code, "pidfile run: cannot execute %s: %v", l.bin, err)
}

// claim claims the pidfile, waiting for it if asked; it returns nil and an
// exit status, reported, if it cannot.
func (l launch) claim(r reporter) (*pidfile.Guard, int) {
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
		return nil, r.fail(exitHeld, "pidfile run: %s is held by %s", l.path, holderText(locked))
	}
	if err != nil {
		return nil, r.fail(exitUnknown, "%v", err)
	}
	return g, exitOK
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
		fmt.Fprintf(r.status, "%d %s\n", code, printable.String(fmt.Sprintf(format, a...)))
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
		fmt.Fprintf(r.status, "%s%s\n", notePrefix, printable.String(fmt.Sprintf(format, a...)))
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
