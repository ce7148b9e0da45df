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
// "STATUS MESSAGE" for any failure. So the parent returns only once the
// command runs holding the lock, and otherwise reports exactly why not.

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
found, 126 if it cannot be executed, 2 for usage errors, 4 for any other
error; otherwise, in the foreground, CMD's own, and with -detach, 0.
`

// detachedRun is the hidden subcommand that the child of run -detach runs.
const detachedRun = "_detached-run"

// execMarker is what the detached child writes just before execve.
const execMarker = "exec\n"

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
	perm, err := strconv.ParseUint(*mode, 8, 32)
	if err != nil || perm == 0 || perm&^0o644 != 0 {
		return c.fail(fmt.Sprintf("-mode %s: want 0644, 0640, 0600 or another mode that only the owner may write", *mode))
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
		return startDetached(args, *logPath, stdout, stderr)
	}
	return l.claimAndExec(r, stderr)
}

// claimAndExec claims the pidfile, becomes the user if asked, and executes
// CMD in place of this process. It returns only on failure, with the lock
// released.
func (l launch) claimAndExec(r reporter, stderr io.Writer) int {
	claimer := pidfile.Claimer{Perm: l.perm}
	g, err := claimer.Claim(l.path)
	var locked *pidfile.LockedError
	if errors.As(err, &locked) && l.wait > 0 {
		// Say so, for the operator who wonders why nothing happens yet.
		fmt.Fprintf(stderr, "pidfile run: %s is held by %s; waiting up to %v\n", l.path, holderText(locked), l.wait)
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
	r.execing()
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
	msg := fmt.Sprintf(format, a...)
	if r.status != nil {
		fmt.Fprintf(r.status, "%d %s\n", code, strings.ReplaceAll(msg, "\n", " "))
	} else {
		fmt.Fprintln(r.stderr, msg)
	}
	return code
}

// execing tells the parent of a detached child that execve comes next.
func (r reporter) execing() {
	if r.status != nil {
		io.WriteString(r.status, execMarker)
	}
}

// startDetached starts the child of run -detach with args (run's own), waits
// for the status pipe to say how it went, and reports it: the child's PID on
// stdout if it executed CMD.
func startDetached(args []string, logPath string, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "pidfile run: "+format+"\n", a...)
		return exitUnknown
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return fail("%v", err)
	}
	defer null.Close()
	out, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if logPath != "" {
		out, err = openLog(logPath)
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
	// The pipe ends when the child has executed CMD, or has exited.
	sc := bufio.NewScanner(status)
	execed := false
	for sc.Scan() {
		if line := sc.Text(); line+"\n" == execMarker {
			execed = true
		} else if code, msg, ok := parseStatus(line); ok {
			child.Wait()
			fmt.Fprintln(stderr, msg)
			return code
		}
	}
	if !execed {
		err := child.Wait()
		return fail("the detached process ended before it could execute the command (%v)", err)
	}
	fmt.Fprintln(stdout, child.Process.Pid)
	return exitOK
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
