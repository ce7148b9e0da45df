package main

// run -detach: CMD as a daemon, and a parent that returns only once it runs.
//
// run -detach starts a child of this process (the same program, in the hidden
// subcommand detachedRun) in a session of its own, with standard input from
// /dev/null, output to /dev/null or the log, and no other descriptor but a
// status pipe. The child claims, switches user, and executes the command in
// its own place; the pipe (statuspipe.go) tells the parent how that went. A
// command that was executed may still die
// at once (a missing shared library, a bad configuration), so the parent
// watches it for a moment and then checks that it holds the lock: it
// returns success only for a command that runs holding the lock, and
// otherwise reports exactly why not.

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/go-pidfile/pidfile"
)

// detachedRun is the hidden subcommand that the child of run -detach runs.
const detachedRun = "_detached-run"

// startCheck is how long run -detach watches a command it executed before
// it checks that the command holds the lock: long enough for a command that
// cannot run at all (a missing shared library, a bad option) to have
// exited, short enough to add little to a start.
const startCheck = 200 * time.Millisecond

// readyNote is how long run -detach waits for readiness before it says,
// on a terminal, that it waits.
const readyNote = time.Second

// reportWait bounds how long run -detach waits for a child that ended its
// status pipe without executing the command to exit.
const reportWait = 5 * time.Second

// startDetached starts the child of run -detach with args (run's own), waits
// for the status pipe to say how it went, and reports it: the child's PID on
// stdout once it has executed CMD, and CMD has neither exited at once nor
// let go of the pidfile.
//
// With -supervise the child is the supervisor: it opens the log and waits
// for CMD's readiness itself (for every start of CMD, not only the first),
// and says "started" on the status pipe once the first CMD has started, or
// is ready; this process then checks that the supervisor holds the lock.
func startDetached(args []string, l launch, stdout, stderr io.Writer) int {
	d := &detached{l: l, stderr: stderr}
	defer d.close()
	if why := d.prepare(args); why != "" {
		return d.fail("%s", why)
	}
	if why := d.start(); why != "" {
		return d.fail("%s", why)
	}
	if code, done := d.readStatus(); done {
		return code
	}
	pid := d.child.Process.Pid
	if d.pipe != nil || d.notify != nil {
		if why := d.awaitReadiness(pid); why != "" {
			return d.notStarted("%s (process %d) %s", l.argv[0], pid, why)
		}
	} else if l.sup == nil {
		select {
		case <-d.exited:
			return d.notStarted("%s (process %d) %s right after it started", l.argv[0], pid, exitText(d.child.ProcessState))
		case <-time.After(startCheck):
		}
	}
	what := l.argv[0]
	if l.sup != nil {
		what = "the supervisor of " + what
	}
	if why := holds(l.path, pid); why != "" {
		// Left running, it would run unguarded: a second start would
		// succeed beside it.
		return d.notStarted("%s (process %d) runs, but %s; stopping it", what, pid, why)
	}
	fmt.Fprintln(stdout, pid)
	return exitOK
}

// outputWent says, for the line that reports a failed start, where CMD's
// output went: the first place an operator looks.
func outputWent(l launch) string {
	if l.logPath == "" {
		return " (its output went to /dev/null: -log FILE keeps it)"
	}
	if l.errLogPath != "" {
		return " (its output is in " + l.logPath + ", its errors in " + l.errLogPath + ")"
	}
	return " (its output is in " + l.logPath + ")"
}

// endFailedStart ends what a start that run -detach will not report left:
// the child's process group (the child, CMD, and what CMD forked), TERM,
// then KILL after killWait; then it makes sure that nobody holds path. It
// says what is left, or "" if nothing is.
func endFailedStart(path string, group *processGroup, exited <-chan struct{}) string {
	if err := endGroup(group, killWait); err != nil {
		return "what the command left in its process group could not be ended: " + err.Error()
	}
	<-exited // the child is in the group: it has exited
	ctx, cancel := context.WithTimeout(context.Background(), killWait)
	defer cancel()
	if err := pidfile.Wait(ctx, path); err != nil {
		// A process that left the group (setsid) with the lock's
		// descriptor: nothing proves whose it is, so it is not signalled.
		return "still held by " + holderNow(path) + ", which left the command's process group; it was not signalled"
	}
	return ""
}

// holds says why process pid does not hold path, or "" if it does.
func holds(path string, pid int) string {
	r, err := pidfile.ReadExact(path)
	if err != nil {
		return "who holds " + path + " cannot be told: " + err.Error()
	}
	switch r := r.(type) {
	case pidfile.LockedBy:
		if r.PID == pid {
			return ""
		}
		return path + " is held by process " + strconv.Itoa(r.PID)
	case pidfile.NotHeld:
		r.Guard.Close()
	}
	return "does not hold " + path + " (did it close the descriptor it inherited?)"
}
