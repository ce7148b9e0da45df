package main

// run -detach: CMD as a daemon, and a parent that returns only once it runs.
//
// run -detach starts a child of this process (the same program, in the hidden
// subcommand detachedRun) in a session of its own, with standard input from
// /dev/null, output to /dev/null or the log, and no other descriptor but a
// status pipe. The child claims, switches user, and executes the command in
// its own place; the pipe, close-on-exec, tells the parent how that went:
// "exec" just before execve, then end of file if execve succeeded, or a line
// "STATUS MESSAGE" for any failure; a line "note MESSAGE" is for the
// operator's terminal on the way. A command that was executed may still die
// at once (a missing shared library, a bad configuration), so the parent
// watches it for a moment and then checks that it holds the lock: it
// returns success only for a command that runs holding the lock, and
// otherwise reports exactly why not.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/go-pidfile/pidfile"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/logfile"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/printable"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/ready"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/tty"
)

// detachedRun is the hidden subcommand that the child of run -detach runs.
const detachedRun = "_detached-run"

// execMarker is what the detached child writes just before execve; a line
// that starts with notePrefix is a message for the operator.
const (
	execMarker = "exec\n"
	notePrefix = "note "
)

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
	fail := func(format string, a ...any) int {
		sayf(stderr, "pidfile run: "+format, a...)
		return exitUnknown
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return fail("%v", err)
	}
	defer null.Close()
	out, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if l.logPath != "" && l.sup == nil {
		out, err = logfile.Open(l.logPath, l.path, l.path+childSuffix)
	}
	if err != nil {
		return fail("-log: %v", err)
	}
	defer out.Close()
	if err := closeInheritedOnExec(); err != nil {
		return fail("cannot keep this process's descriptors from the daemon: %v", err)
	}
	self, err := selfExecutable()
	if err != nil {
		return fail("cannot find this program to start it again: %v", err)
	}
	status, w, err := os.Pipe()
	if err != nil {
		return fail("%v", err)
	}
	defer status.Close()
	child := exec.Command(self, append([]string{detachedRun}, args...)...)
	// Its command line reads "pidfile _detached-run [FLAGS] PATH -- CMD":
	// what ps shows of a detached supervisor, whatever path this program
	// was started by (/proc/self/exe on Linux).
	child.Args[0] = "pidfile"
	child.Env = os.Environ()
	child.Stdin, child.Stdout, child.Stderr = null, out, out
	// A supervisor waits for CMD's readiness itself; otherwise this
	// process does.
	waitsReady := l.readyFD != 0 && l.sup == nil
	// The status pipe is the child's descriptor l.statusFD(); with -ready
	// fd:N, the write end of the readiness pipe is its (and CMD's) N.
	last := l.statusFD()
	if waitsReady {
		last = max(last, l.readyFD)
	}
	files := make([]*os.File, last-2)
	files[l.statusFD()-3] = w
	var pipe *os.File // -ready fd:N: the read end
	if waitsReady && l.readyFD > 0 {
		var rw *os.File
		if pipe, rw, err = os.Pipe(); err != nil {
			return fail("%v", err)
		}
		defer pipe.Close()
		files[l.readyFD-3] = rw // closed with w below
	}
	var notify *ready.Socket
	if waitsReady && l.readyFD == readyNotify {
		uid := -1
		if l.account != nil {
			uid = l.account.uid
		}
		if notify, err = ready.NewSocket(l.path, uid); err != nil {
			return fail("-ready notify: %v", err)
		}
		defer notify.Close()
		// CMD's NOTIFY_SOCKET is this one, whatever this process got.
		child.Env = setEnv(child.Env, "NOTIFY_SOCKET="+notify.Address())
	}
	child.Env = append(withoutEnv(child.Env, resolvedEnv), l.setup.passOn())
	child.ExtraFiles = files
	child.SysProcAttr = detachedAttr()
	err = child.Start()
	// The child has its copies of the write ends; this process keeps none,
	// so that the pipes end with the child (and CMD).
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
	if err != nil {
		return fail("%v", err)
	}
	// The child leads a session, and so a process group, of its own: a
	// start that fails ends that whole group, what CMD forked with it,
	// through a pin taken before the child can be reaped.
	group, err := pinGroup(child.Process.Pid)
	if err != nil {
		child.Process.Kill()
		child.Wait()
		return fail("cannot pin the detached process's group: %v", err)
	}
	defer group.close()
	exited := make(chan struct{})
	go func() {
		child.Wait()
		close(exited)
	}()
	// notStarted ends what the failed start left and reports it: exit 3
	// once nothing is left and the lock is free, else 4 and what is left.
	notStarted := func(format string, a ...any) int {
		sayf(stderr, "pidfile run: "+format+"%s", append(a, outputWent(l))...)
		if why := endFailedStart(l.path, group, exited); why != "" {
			sayf(stderr, "pidfile run: %s: %s", l.path, why)
			return exitUnknown
		}
		return exitNotStarted
	}
	// The pipe ends when the child has executed CMD, or has exited.
	sc := bufio.NewScanner(status)
	execed := false
	for sc.Scan() {
		line := sc.Text()
		if note, ok := strings.CutPrefix(line, notePrefix); ok {
			fmt.Fprintln(stderr, note) // made printable by the child
		} else if line+"\n" == execMarker || line+"\n" == startedMarker {
			execed = true
		} else if code, msg, ok := parseStatus(line); ok {
			<-exited
			if code == exitNotStarted {
				msg += printable.String(outputWent(l))
			}
			fmt.Fprintln(stderr, msg)
			return code
		}
	}
	if !execed {
		select {
		case <-exited:
		case <-time.After(reportWait):
			child.Process.Kill()
			<-exited
		}
		return fail("the detached process ended before it could execute the command (%v)", child.ProcessState)
	}
	pid := child.Process.Pid
	if pipe != nil || notify != nil {
		// A person at a terminal is told, once, why nothing happens yet.
		f, _ := stderr.(*os.File)
		if tty.IsFile(f) {
			said := time.AfterFunc(readyNote, func() {
				sayf(stderr, "pidfile run: waiting up to %v for %s (process %d) to say it is ready", l.readyTimeout, l.argv[0], pid)
			})
			defer said.Stop()
		}
		var why string
		if pipe != nil {
			why = awaitReady(pipe, l, exited, child)
		} else {
			why = awaitNotify(notify, l, exited, child)
		}
		if why != "" {
			return notStarted("%s (process %d) %s", l.argv[0], pid, why)
		}
	} else if l.sup == nil {
		select {
		case <-exited:
			return notStarted("%s (process %d) %s right after it started", l.argv[0], pid, exitText(child.ProcessState))
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
		return notStarted("%s (process %d) runs, but %s; stopping it", what, pid, why)
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

// parseStatus parses a "STATUS MESSAGE" line from the status pipe.
func parseStatus(line string) (int, string, bool) {
	code, msg, ok := strings.Cut(line, " ")
	n, err := strconv.Atoi(code)
	return n, msg, ok && err == nil
}
