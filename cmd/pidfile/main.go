// Command pidfile claims, reads, signals and waits on pidfiles from shells,
// init scripts and terminals, with the guarantees of the pidfile package: the
// flock on the file, not its presence, says who runs; the file is never
// removed; a PID that another user could have planted is never printed; a
// signal never reaches a process that does not hold the lock (on Linux). It
// also starts and stops daemons, in place of start-stop-daemon, daemon(8) or
// chpst.
//
// Usage:
//
//	pidfile run [-wait DURATION] [-mode MODE] [-user USER[:GROUP]] [-chdir DIR] [-umask MODE] [-nice N] [-limit NAME=SOFT[:HARD]] [-env KEY=VALUE] [-env-file FILE] [-supervise [-restart WHEN] [-restart-delay DURATION] [-restart-max N] [-restart-exit-ok LIST] [-stop-timeout DURATION]] [-detach] [-log FILE [-log-stderr FILE] [-log-size SIZE [-log-keep N]]] [-ready notify|fd:N [-ready-timeout DURATION]] PATH -- CMD [ARGS...]
//	pidfile stop [-s SIGNAL] [-timeout DURATION] [-retry SCHEDULE] [-group] [-q] PATH
//	pidfile status [-json] PATH
//	pidfile pid [-json] PATH
//	pidfile kill [-s SIGNAL] [-group] PATH
//	pidfile wait [-timeout DURATION] PATH
//	pidfile --version
//
// run claims PATH and then executes CMD in place of itself: CMD keeps this
// process's PID, which is what the pidfile names, and holds the lock for its
// whole life. With -detach, CMD runs as a daemon (a session of its own,
// standard input from /dev/null, output to /dev/null or -log) and run prints
// its PID once it runs holding PATH. -user executes CMD as another user,
// after the claim; -chdir, -umask, -nice, -limit, -env and -env-file set up
// its execution environment, after the claim too. With -supervise, run stays
// as CMD's supervisor, holding PATH (which names it), and CMD runs as its
// child, which never holds the lock: signals are passed on, CMD's process
// group is ended when CMD exits, CMD is restarted as -restart says, and its
// output goes to -log, which follows rotation (Linux and FreeBSD). Exit
// status:
//
//	0    (-detach) CMD runs, holding PATH; its PID is on standard output
//	1    PATH is held by another process, which is named
//	2    usage error
//	3    (-detach) CMD was executed but exited at once, does not hold PATH, or
//	     was not ready (-ready fd:N: no newline on its descriptor N in time)
//	4    any other error (an unsafe PATH, an unknown user, ...)
//	126  CMD cannot be executed
//	127  CMD is not found
//	     otherwise, in the foreground, CMD's own status (with -supervise: 0
//	     after a stop request, else CMD's last, a signal as 128+N)
//
// stop signals the holder (default TERM), waits up to -timeout (default 10s)
// for PATH to be free, then sends KILL and waits a few seconds more; with
// -group it signals the process group the holder leads, and waits for the
// group to be empty too. Exit status: 0 nobody holds PATH at the end (also
// when nobody held it, or there is no file), 1 still held (the holder is
// named) or the group not empty, 2 usage error, 4 error.
//
// status follows the LSB init-script convention: 0 running (the PID is
// printed, or, where the holder cannot be named, why not), 1 not running but
// the pidfile exists, 3 not running and no pidfile, 4 unknown (the reason is
// printed on standard error; this includes bad arguments), and 150 for a
// supervisor (run -supervise) that runs while its CMD does not (restarting).
//
// pid prints the holder's PID: 0 running, 1 not running, 2 usage error, 4
// error (also for a holder that cannot be named). status and pid take the PID from the kernel's lock table where
// there is one (pidfile.ReadExact).
//
// kill signals the holder (default TERM; names such as HUP, SIGHUP, or
// numbers), or with -group the process group it leads: 0 sent, 1 not
// running (nothing sent), 2 usage error, 4 error.
//
// wait waits until nobody holds PATH: 0 free, 1 timed out, 2 usage error, 4
// error.
//
// Errors are one line on standard error.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/printable"
)

// Exit statuses shared by the subcommands.
const (
	exitOK         = 0
	exitNotRunning = 1 // status, pid, kill
	exitHeld       = 1 // run, stop: another process holds PATH
	exitTimedOut   = 1 // wait
	exitUsage      = 2
	exitNoFile     = 3 // status
	exitNotStarted = 3 // run -detach: CMD exited at once, does not hold PATH, or was not ready
	exitUnknown    = 4
	// exitServiceDown: status of a supervisor (run -supervise) that runs
	// while its CMD does not (restarting, starting, stopping); LSB leaves
	// 150 to 199 to applications.
	exitServiceDown = 150
	exitCannotExec  = 126
	exitNotFound    = 127
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand. The table of them, commands, makes the top-level
// usage, each subcommand's -h (with the flags its run function defines), and
// the dispatch; a test checks that the package documentation's synopsis says
// the same.
type command struct {
	name     string
	synopsis string // what follows "pidfile NAME" in the usage
	help     string // what -h says after the usage line, before its exit statuses
	exits    []exit // what its exit statuses mean, in -h and (a test checks) the README
	run      func(args []string, stdout, stderr io.Writer) int
}

// exit is one exit status of a subcommand and what it means.
type exit struct {
	code  int
	means string
}

// exitText is the "Exit status: ..." paragraph of -h, wrapped at 79
// columns.
func (c command) exitText() string {
	var items []string
	for _, e := range c.exits {
		items = append(items, strconv.Itoa(e.code)+" "+e.means)
	}
	head := "Exit status:"
	if c.name == "status" {
		head = "Exit status (LSB):"
	}
	var b strings.Builder
	width := 0
	for i, word := range strings.Fields(head + " " + strings.Join(items, ", ") + ".") {
		switch {
		case i == 0:
		case width+1+len(word) > 79:
			b.WriteString("\n")
			width = 0
		default:
			b.WriteString(" ")
			width++
		}
		b.WriteString(word)
		width += len(word)
	}
	return b.String() + "\n"
}

// commands is the table of subcommands, in the order the usage lists them.
// It is a function, not a variable, because the subcommands look
// themselves up in it.
func commands() []command {
	return []command{
		{"run", "[-wait DURATION] [-mode MODE] [-user USER[:GROUP]] [-chdir DIR] [-umask MODE] [-nice N] [-limit NAME=SOFT[:HARD]] " +
			"[-env KEY=VALUE] [-env-file FILE] [-supervise [-restart WHEN] [-restart-delay DURATION] [-restart-max N] [-restart-exit-ok LIST] [-stop-timeout DURATION]] " +
			"[-detach] [-log FILE [-log-stderr FILE] [-log-size SIZE [-log-keep N]]] [-ready notify|fd:N [-ready-timeout DURATION]] PATH -- CMD [ARGS...]", runHelp,
			[]exit{{exitHeld, "another process holds PATH (it is named)"}, {exitUsage, "usage error"},
				{exitNotStarted, "(-detach) CMD exited at once, does not hold PATH, or was not ready; nothing is left"},
				{exitUnknown, "any other error"}, {exitCannotExec, "CMD cannot be executed"}, {exitNotFound, "CMD is not found"}},
			func(args []string, stdout, stderr io.Writer) int { return cmdRun(args, roleCaller, stdout, stderr) }},
		{"stop", "[-s SIGNAL] [-timeout DURATION] [-retry SCHEDULE] [-group] [-q] PATH",
			"Stop the process that holds PATH: signal it (and nobody else, as kill does),\n" +
				"wait up to DURATION for it to let go, then send KILL the same way and wait\n" +
				"a few seconds more; with -group, its process group, until it is empty.\n" +
				"The file stays.\n",
			[]exit{{exitOK, "nobody holds PATH at the end (also when nobody held it, or there is no PATH)"},
				{exitHeld, "still held (the holder is named), or the group is not empty"}, {exitUsage, "usage error"}, {exitUnknown, "error"}},
			cmdStop},
		{"status", "[-json] PATH",
			"Tell whether a process holds PATH, printing its PID if so (or, where the\n" +
				"holder cannot be named, why not); for a supervisor (run -supervise), also\n" +
				"whether its CMD runs, or when it restarts.\n",
			[]exit{{exitOK, "running"}, {exitNotRunning, "not running but PATH exists"}, {exitNoFile, "not running and no PATH"},
				{exitUnknown, "unknown (also for usage errors)"}, {exitServiceDown, "the supervisor runs, its CMD does not"}},
			cmdStatus},
		{"pid", "[-json] PATH",
			"Print the PID of the process that holds PATH.\n",
			[]exit{{exitOK, "running"}, {exitNotRunning, "not running"}, {exitUsage, "usage error"},
				{exitUnknown, "error (also: held by a process that cannot be named)"}},
			cmdPID},
		{"kill", "[-s SIGNAL] [-group] PATH",
			"Signal the process that holds PATH, and nobody else: on Linux the holder is\n" +
				"confirmed with the kernel's lock table and signalled through a pidfd.\n",
			[]exit{{exitOK, "sent"}, {exitNotRunning, "not running (nothing sent)"}, {exitUsage, "usage error"}, {exitUnknown, "error"}},
			cmdKill},
		{"wait", "[-timeout DURATION] PATH",
			"Wait until no process holds PATH (or there is no PATH).\n",
			[]exit{{exitOK, "free"}, {exitTimedOut, "timed out"}, {exitUsage, "usage error"}, {exitUnknown, "error"}},
			cmdWait},
	}
}

// runHelp is run's -h, the longest.
const runHelp = `Claim PATH, then execute CMD in place of this process, so that CMD has the PID
the pidfile names and holds the lock for its whole life.

With -detach, CMD runs as a daemon: in a session of its own with no
controlling terminal, standard input from /dev/null, standard output and error
to /dev/null or the -log file, and none of this process's other descriptors.
run returns once CMD runs holding PATH, prints CMD's PID, and exits 0; if it
cannot get there, it says why on standard error, ends CMD's process group, and
exits 3 once nothing is left running and no lock held (4, naming it, if a
process that left the group still holds PATH).

With -supervise (Linux and FreeBSD), run stays as CMD's supervisor: it holds
PATH, which names it, and runs CMD as its child in a session of its
own, without the lock's descriptor, so that no worker CMD forks can keep the
lock after CMD is gone. TERM, INT, QUIT, HUP, USR1, USR2 and WINCH are passed
to CMD; TERM, INT and QUIT are stop requests. When CMD exits, what is left in
its group gets TERM, then KILL after -stop-timeout; CMD is restarted as
-restart says; the kernel kills CMD if the supervisor dies. With -log, CMD's
output is copied to FILE, which may be renamed away (a fresh FILE follows
within a second) or rotated at -log-size. status -json names the current CMD
as "child".

Besides the exit statuses below, run in the foreground exits with CMD's own
(with -supervise, 0 after a stop request, else CMD's last), and with
-detach, 0 once CMD runs.
`

// subcommandNamed returns the table's entry for subcommand name.
func subcommandNamed(name string) command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return command{name: name}
}

// usage is the summary printed for -h and for a missing subcommand.
func usage() string {
	var b strings.Builder
	b.WriteString("usage:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  pidfile %s %s\n", c.name, c.synopsis)
	}
	b.WriteString("  pidfile --version\nRun 'pidfile SUBCOMMAND -h' for the details of one.\n")
	return b.String()
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage())
		return exitOK
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, "pidfile", version())
		return exitOK
	case detachedRun:
		return cmdRun(args[1:], roleDetached, stdout, stderr)
	case supervisedCmd:
		return cmdRun(args[1:], roleSupervised, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "pidfile: unknown subcommand %q\n%s", args[0], usage()) // %q: one line
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

// sayf writes one line to w: the message, with its control characters
// escaped, so that a path that holds a newline cannot split the line.
func sayf(w io.Writer, format string, a ...any) {
	fmt.Fprintln(w, printable.String(fmt.Sprintf(format, a...)))
}

// timeoutContext is a context that ends after d; for d <= 0, never.
func timeoutContext(d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), d)
}
