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
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strconv"
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
	detach       bool         // -detach
	userSpec     string       // -user, as given; account once looked up
	logPath      string       // -log, or ""
	errLogPath   string       // -log-stderr, or ""
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
	l, err := parseRun(c, args)
	if code, ok := c.report(err, stdout); !ok {
		return code
	}
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
	if l.userSpec != "" {
		if l.account, err = lookupAccount(l.userSpec); err != nil {
			return r.fail(exitUnknown, "pidfile run: -user %s: %v", l.userSpec, err)
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
	case l.detach && role == roleCaller:
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
	// CMD inherits the lock, and PIDFILE_FD names its descriptor: a CMD
	// that claims PATH itself with the library adopts the lock.
	return l.execCMD(r, func() ([]string, error) {
		env, err := g.ExecEnv()
		return []string{env}, err
	})
}

// execCMD sets CMD's execution environment up in this process, becomes the
// user if asked, calls last, and executes CMD in place of this process. It
// returns only on failure. What last returns is added to CMD's environment.
func (l launch) execCMD(r reporter, last func() ([]string, error)) int {
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
	env = l.setup.environ(withoutEnv(env, pidfile.InheritedLockEnv))
	more, err := last()
	if err != nil {
		return r.fail(exitUnknown, "%v", err)
	}
	env = append(env, more...)
	if err := r.execing(); err != nil {
		// The parent could not be told that the command runs: it must
		// not run unseen.
		return exitUnknown
	}
	err = execInPlace(l.bin, l.argv, env)
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
