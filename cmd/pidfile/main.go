// Command pidfile claims, reads, signals and waits on pidfiles from shells,
// init scripts and terminals, with the guarantees of the pidfile package: the
// flock on the file, not its presence, says who runs; the file is never
// removed; a signal never reaches a process that does not hold the lock (on
// Linux).
//
// Usage:
//
//	pidfile run [-wait DURATION] PATH -- CMD [ARGS...]
//	pidfile status [-json] PATH
//	pidfile pid [-json] PATH
//	pidfile kill [-s SIGNAL] PATH
//	pidfile wait [-timeout DURATION] PATH
//	pidfile --version
//
// run claims PATH and then executes CMD in place of itself: CMD keeps this
// process's PID, which is what the pidfile names, and holds the lock for its
// whole life. Exit status: 1 if PATH is held (naming the holder), 127 if CMD
// is not found, 126 if it cannot be executed; otherwise CMD's own.
//
// status follows the LSB init-script convention: 0 running (the PID is
// printed), 1 not running but the pidfile exists, 3 not running and no
// pidfile, 4 unknown (the reason is printed on standard error; this includes
// bad arguments).
//
// pid prints the holder's PID: 0 running, 1 not running, 4 error.
// kill signals the holder (default TERM; names such as HUP, SIGHUP, or
// numbers): 0 sent, 1 not running (nothing sent), 4 error.
// wait waits until nobody holds PATH: 0 free, 1 timed out, 4 error.
//
// Other than status, a usage error exits with 2. Errors are one line on
// standard error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-pidfile/pidfile"
)

// Exit statuses shared by the subcommands.
const (
	exitOK         = 0
	exitNotRunning = 1 // also: held (run), timed out (wait)
	exitUsage      = 2
	exitNoFile     = 3 // status only
	exitUnknown    = 4
	exitCannotExec = 126
	exitNotFound   = 127
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usage is the summary printed for -h and for a missing subcommand.
const usage = `usage:
  pidfile run [-wait DURATION] PATH -- CMD [ARGS...]
  pidfile status [-json] PATH
  pidfile pid [-json] PATH
  pidfile kill [-s SIGNAL] PATH
  pidfile wait [-timeout DURATION] PATH
  pidfile --version
Run 'pidfile SUBCOMMAND -h' for the details of one.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, "pidfile", version())
		return exitOK
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "status":
		return cmdStatus(args[1:], stdout, stderr)
	case "pid":
		return cmdPID(args[1:], stdout, stderr)
	case "kill":
		return cmdKill(args[1:], stdout, stderr)
	case "wait":
		return cmdWait(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "pidfile: unknown subcommand %q\n%s", args[0], usage)
	return exitUsage
}

// version is the module version from the build information: a tag for
// `go install ...@version`, "(devel)" for a build from a checkout.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(unknown)"
}

// subcommand is one subcommand's flag set and the way it reports a usage
// error.
type subcommand struct {
	*flag.FlagSet
	stderr    io.Writer
	usageExit int
	help      func(io.Writer)
}

func newSubcommand(name, synopsis, help string, stdout, stderr io.Writer, usageExit int) *subcommand {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package would print its error and the whole usage to
	// stderr; parse prints one line instead, and the usage only for -h.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	c := &subcommand{FlagSet: fs, stderr: stderr, usageExit: usageExit}
	c.help = func(w io.Writer) {
		fmt.Fprintf(w, "usage: pidfile %s %s\n%s", name, synopsis, help)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return c
}

// parse parses args and wants a PATH, and nothing after it if onlyPath. It
// returns an exit status and false if the command must stop: -h prints the
// usage to stdout and succeeds; anything else is a usage error.
func (c *subcommand) parse(args []string, stdout io.Writer, onlyPath bool) (int, bool) {
	err := c.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		c.help(stdout)
		return exitOK, false
	}
	if err != nil {
		return c.fail(err.Error()), false
	}
	if c.NArg() == 0 {
		return c.fail("missing PATH"), false
	}
	if onlyPath && c.NArg() > 1 {
		return c.fail("more than one PATH"), false
	}
	return 0, true
}

// fail reports a usage error in one line and returns the usage exit status.
func (c *subcommand) fail(msg string) int {
	fmt.Fprintf(c.stderr, "pidfile %s: %s (see 'pidfile %s -h')\n", c.Name(), msg, c.Name())
	return c.usageExit
}

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

// state is what status and pid found, also as their -json output.
type state struct {
	Path   string `json:"path"`
	State  string `json:"state"` // running, not-running, no-file, unknown
	PID    int    `json:"pid,omitempty"`
	Source string `json:"source,omitempty"` // content or kernel
	Error  string `json:"error,omitempty"`
}

// look reads path as status and pid report it: with ReadExact, so that
// where the kernel has a lock table, no PID is printed that it contradicts.
func look(path string) state {
	s := state{Path: path}
	r, err := pidfile.ReadExact(path)
	if err != nil {
		s.State, s.Error = "unknown", err.Error()
		return s
	}
	switch r := r.(type) {
	case pidfile.NotExist:
		s.State = "no-file"
	case pidfile.NotHeld:
		r.Guard.Close()
		s.State = "not-running"
	case pidfile.LockedBy:
		s.State, s.PID, s.Source = "running", r.PID, r.Source.String()
	}
	return s
}

func (s state) print(asJSON bool, stdout, stderr io.Writer, cmd string) {
	if asJSON {
		b, _ := json.Marshal(s)
		fmt.Fprintf(stdout, "%s\n", b)
		return
	}
	// The PID alone on stdout, for $(pidfile pid PATH); for status, the
	// answer "not running" is no error and goes to stdout as well.
	out := stderr
	if cmd == "status" {
		out = stdout
	}
	switch s.State {
	case "running":
		fmt.Fprintln(stdout, s.PID)
	case "not-running":
		fmt.Fprintf(out, "pidfile %s: %s: not running\n", cmd, s.Path)
	case "no-file":
		fmt.Fprintf(out, "pidfile %s: %s: not running (no pidfile)\n", cmd, s.Path)
	default:
		fmt.Fprintln(stderr, s.Error) // the library's errors start "pidfile: "
	}
}

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	return lookCommand("status",
		"Tell whether a process holds PATH, printing its PID if so.\n"+
			"Exit status (LSB): 0 running, 1 not running but PATH exists,\n"+
			"3 not running and no PATH, 4 unknown (also for usage errors).\n",
		map[string]int{"running": exitOK, "not-running": exitNotRunning, "no-file": exitNoFile, "unknown": exitUnknown},
		exitUnknown, args, stdout, stderr)
}

func cmdPID(args []string, stdout, stderr io.Writer) int {
	return lookCommand("pid",
		"Print the PID of the process that holds PATH.\n"+
			"Exit status: 0 running, 1 not running, 4 error.\n",
		map[string]int{"running": exitOK, "not-running": exitNotRunning, "no-file": exitNotRunning, "unknown": exitUnknown},
		exitUsage, args, stdout, stderr)
}

// lookCommand is status and pid: they differ in help, exit statuses and
// where "not running" is printed.
func lookCommand(name, help string, exits map[string]int, usageExit int, args []string, stdout, stderr io.Writer) int {
	c := newSubcommand(name, "[-json] PATH", help, stdout, stderr, usageExit)
	asJSON := c.Bool("json", false, "print one JSON object: path, state, pid, source, error")
	if code, ok := c.parse(args, stdout, true); !ok {
		return code
	}
	s := look(c.Arg(0))
	s.print(*asJSON, stdout, stderr, name)
	return exits[s.State]
}

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

// timeoutContext is a context that ends after d; for d <= 0, never.
func timeoutContext(d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), d)
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
