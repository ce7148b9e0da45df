package main

// run: claim a pidfile, then become the command, in the foreground or as a
// daemon (-detach), as this user or another (-user). The lock is taken before
// the command starts and passes to it through exec, so the file names the
// command's PID for its whole life and no second instance can start.
//
// -detach starts a child of this process (the same program, in the hidden
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
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/go-pidfile/pidfile"
)

const runHelp = `Claim PATH, then execute CMD in place of this process, so that CMD has the PID
the pidfile names and holds the lock for its whole life.

With -detach, CMD runs as a daemon: in a session of its own with no
controlling terminal, standard input from /dev/null, standard output and error
to /dev/null or the -log file, and none of this process's other descriptors.
run returns once CMD runs holding PATH, prints CMD's PID, and exits 0; if it
cannot get there, it says why on standard error and leaves nothing running and
no lock held.

Exit status: 1 if another process holds PATH (naming it), 127 if CMD is not
found, 126 if it cannot be executed, 2 for usage errors, 3 (-detach) if CMD
was executed but exited at once or does not hold PATH, 4 for any other
error; otherwise, in the foreground, CMD's own, and with -detach, 0.
`

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

// reportWait bounds how long run -detach waits for a child that ended its
// status pipe without executing the command to exit.
const reportWait = 5 * time.Second

// launch is what run was asked to do.
type launch struct {
	path    string
	argv    []string // CMD and its arguments
	bin     string   // CMD as found on PATH
	wait    time.Duration
	perm    fs.FileMode
	account *account // -user, or nil
}

// cmdRun is run; detachedChild is set in the child that run -detach starts,
// whose fd 3 is the status pipe.
func cmdRun(args []string, detachedChild bool, stdout, stderr io.Writer) int {
	c := newSubcommand("run", "[-wait DURATION] [-mode MODE] [-user USER[:GROUP]] [-detach [-log FILE]] PATH -- CMD [ARGS...]",
		runHelp, stdout, stderr, exitUsage)
	wait := c.Duration("wait", 0, "wait up to `DURATION` for the holder to let go (e.g. 10s)")
	detach := c.Bool("detach", false, "run CMD as a daemon; print its PID once it runs holding PATH")
	logPath := c.String("log", "", "with -detach, append CMD's standard output and error to `FILE`,\n"+
		"created if missing with mode 0640 less the umask; a symbolic link is not followed")
	userSpec := c.String("user", "", "after claiming PATH, execute CMD as `USER[:GROUP]` (a name or number):\n"+
		"USER's supplementary groups, then its primary group or GROUP, then its UID,\n"+
		"and HOME, USER and LOGNAME to match; root only")
	mode := c.String("mode", "0644", "the permission bits of PATH if run creates it, less the umask: `MODE`\n"+
		"0644, 0640 or 0600 (the narrower, the fewer users can read, or hold, the file)")
	if code, ok := c.parse(args, stdout, false); !ok {
		return code
	}
	rest := c.Args()
	l := launch{path: rest[0], argv: rest[1:], wait: *wait}
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
	perm, err := strconv.ParseUint(*mode, 8, 32)
	if err != nil || perm&^0o644 != 0 || perm&0o600 != 0o600 {
		return c.fail(fmt.Sprintf("-mode %s: want 0644, 0640 or 0600: read and write for the owner, at most read for others", *mode))
	}
	l.perm = fs.FileMode(perm)

	r := reporter{stderr: stderr}
	if detachedChild {
		r.status = os.NewFile(3, "status")
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
		return r.fail(exitNotRunning, "pidfile run: %s is held by %s", l.path, holderText(locked))
	}
	if err != nil {
		return r.fail(exitUnknown, "%v", err)
	}
	env := os.Environ()
	if l.account != nil {
		if err := becomeUser(l.account); err != nil {
			g.Close()
			return r.fail(exitUnknown, "pidfile run: -user %s: %v", l.account.name, err)
		}
		env = l.account.environ(env)
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

// startDetached starts the child of run -detach with args (run's own), waits
// for the status pipe to say how it went, and reports it: the child's PID on
// stdout once it has executed CMD, and CMD has neither exited at once nor
// let go of the pidfile.
func startDetached(args []string, l launch, logPath string, stdout, stderr io.Writer) int {
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
	if logPath != "" {
		out, err = openLog(logPath, l.path)
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
	child.Stdin, child.Stdout, child.Stderr = null, out, out
	child.ExtraFiles = []*os.File{w}
	child.SysProcAttr = detachedAttr()
	err = child.Start()
	w.Close()
	if err != nil {
		return fail("%v", err)
	}
	exited := make(chan struct{})
	go func() {
		child.Wait()
		close(exited)
	}()
	// The pipe ends when the child has executed CMD, or has exited.
	sc := bufio.NewScanner(status)
	execed := false
	for sc.Scan() {
		line := sc.Text()
		if note, ok := strings.CutPrefix(line, notePrefix); ok {
			fmt.Fprintln(stderr, note) // made printable by the child
		} else if line+"\n" == execMarker {
			execed = true
		} else if code, msg, ok := parseStatus(line); ok {
			<-exited
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
	select {
	case <-exited:
		sayf(stderr, "pidfile run: %s (process %d) %s right after it started", l.argv[0], pid, exitText(child.ProcessState))
		return exitNotStarted
	case <-time.After(startCheck):
	}
	if why := holds(l.path, pid); why != "" {
		// Left running, it would run unguarded: a second start would
		// succeed beside it.
		sayf(stderr, "pidfile run: %s (process %d) runs, but %s; stopping it", l.argv[0], pid, why)
		stopChild(child, exited)
		return exitNotStarted
	}
	fmt.Fprintln(stdout, pid)
	return exitOK
}

// stopChild ends a child that run -detach will not report as started: TERM,
// then KILL if it is still there after killWait; it returns once the child
// has exited.
func stopChild(child *exec.Cmd, exited <-chan struct{}) {
	child.Process.Signal(signals["TERM"])
	select {
	case <-exited:
	case <-time.After(killWait):
		child.Process.Kill()
		<-exited
	}
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

// exitText says how a process ended.
func exitText(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(interface{ Signaled() bool }); ok && ws.Signaled() {
		return "was killed (" + ps.String() + ")"
	}
	return "exited with status " + strconv.Itoa(ps.ExitCode())
}

// parseStatus parses a "STATUS MESSAGE" line from the status pipe.
func parseStatus(line string) (int, string, bool) {
	code, msg, ok := strings.Cut(line, " ")
	n, err := strconv.Atoi(code)
	return n, msg, ok && err == nil
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

// account is the user that -user names.
type account struct {
	name, home string
	uid, gid   int
	groups     []int // supplementary
}

// lookupAccount resolves USER[:GROUP], by name or number.
func lookupAccount(spec string) (*account, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("only root may execute a command as another user")
	}
	name, group, withGroup := strings.Cut(spec, ":")
	u, err := lookup(name, user.LookupId, user.Lookup)
	if err != nil {
		return nil, fmt.Errorf("unknown user %q", name)
	}
	a := &account{name: u.Username, home: u.HomeDir}
	a.uid, err = strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("user %q has no numeric UID", name)
	}
	gid := u.Gid
	if withGroup {
		g, err := lookup(group, user.LookupGroupId, user.LookupGroup)
		if err != nil {
			return nil, fmt.Errorf("unknown group %q", group)
		}
		gid = g.Gid
	}
	if a.gid, err = strconv.Atoi(gid); err != nil {
		return nil, fmt.Errorf("group %q has no numeric GID", gid)
	}
	// The supplementary groups are USER's, with GROUP in place of its
	// primary group, as initgroups(3) makes them.
	ids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("groups of %q: %v", name, err)
	}
	for _, id := range ids {
		if id == u.Gid {
			id = gid
		}
		if n, err := strconv.Atoi(id); err == nil {
			a.groups = append(a.groups, n)
		}
	}
	return a, nil
}

// lookup finds a user or group by number if s is one, else by name.
func lookup[T any](s string, byID, byName func(string) (T, error)) (T, error) {
	if _, err := strconv.Atoi(s); err == nil {
		if v, err := byID(s); err == nil {
			return v, nil
		}
	}
	return byName(s)
}

// environ is env with HOME, USER and LOGNAME set for a.
func (a *account) environ(env []string) []string {
	var out []string
	for _, kv := range env {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "HOME", "USER", "LOGNAME":
		default:
			out = append(out, kv)
		}
	}
	return append(out, "HOME="+a.home, "USER="+a.name, "LOGNAME="+a.name)
}
