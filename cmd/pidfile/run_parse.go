package main

// run's front door: its flags, parsed into a launch without a word said or
// a file touched, so that every refusal of a bad combination is tested in
// process.

import (
	"flag"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// runFlags are run's flags, as the flag package fills them.
type runFlags struct {
	wait         *time.Duration
	detach       *bool
	logPath      *string
	errLogPath   *string
	userSpec     *string
	mode         *string
	ready        *string
	readyTimeout *time.Duration
	supervise    *bool
	restart      *string
	restartDelay *time.Duration
	restartMax   *int
	stopTimeout  *time.Duration
	logSize      *string
	exitOK       *string
	logKeep      *int
	setup        environment
}

// defineRun defines run's flags on c.
func defineRun(c *subcommand) *runFlags {
	f := &runFlags{}
	f.wait = c.Duration("wait", 0, "wait up to `DURATION` for the holder to let go (e.g. 10s)")
	f.detach = c.Bool("detach", false, "run CMD (or with -supervise, the supervisor) as a daemon; print its PID\n"+
		"once it runs holding PATH")
	f.logPath = c.String("log", "", "with -detach or -supervise, append CMD's standard output and error to `FILE`,\n"+
		"created if missing with mode 0640 less the umask; a symbolic link is not followed")
	f.errLogPath = c.String("log-stderr", "", "with -log, append CMD's standard error to `FILE` instead (the same rule;\n"+
		"rotated as -log is, with -log-size)")
	f.userSpec = c.String("user", "", "after claiming PATH, execute CMD as `USER[:GROUP]` (a name or number):\n"+
		"USER's supplementary groups, then its primary group or GROUP, then its UID,\n"+
		"and HOME, USER and LOGNAME to match; root only")
	f.mode = c.String("mode", "0644", "the permission bits of PATH if run creates it, less the umask: `MODE`\n"+
		"0644, 0640 or 0600 (the narrower, the fewer users can read, or hold, the file)")
	f.ready = c.String("ready", "", "with -detach or -supervise, wait until CMD says it is ready: `notify` (CMD\n"+
		"sends READY=1 to $NOTIFY_SOCKET, as sd_notify(3) does; Unix) or fd:N (N >= 3:\n"+
		"CMD writes a newline to its descriptor N, s6's notification-fd)")
	f.readyTimeout = c.Duration("ready-timeout", 60*time.Second, "with -ready, how long to wait for CMD to be ready: a `DURATION`")
	f.supervise = c.Bool("supervise", false, "stay, holding PATH, and run CMD as a child that never holds it: forward\n"+
		"signals to it, end what it leaves in its process group, restart it if asked\n"+
		"(Linux and FreeBSD)")
	f.restart = c.String("restart", "never", "with -supervise, when to start CMD again after it exits: `WHEN`\n"+
		"never, on-failure (a non-zero status, or a signal that was no stop request)\n"+
		"or always (any exit that was no stop request)")
	f.restartDelay = c.Duration("restart-delay", time.Second, "with -supervise, the first wait before a restart: a `DURATION`; it doubles per\n"+
		"restart up to a minute, and starts again once CMD has run for a minute")
	f.restartMax = c.Int("restart-max", 0, "with -supervise, give up after `N` restarts in a row that each ran less than a\n"+
		"minute, exiting with CMD's last status (0: never give up)")
	f.stopTimeout = c.Duration("stop-timeout", 5*time.Second, "with -supervise, how long CMD's process group has to exit after a stop\n"+
		"request (or after CMD exited) before it gets KILL: a `DURATION`; keep it below\n"+
		"pidfile stop's -timeout")
	f.logSize = c.String("log-size", "", "with -supervise and -log, rotate FILE before it would pass `SIZE` (bytes,\n"+
		"or with K, M or G): FILE becomes FILE.1, FILE.1 becomes FILE.2, ...")
	f.exitOK = c.String("restart-exit-ok", "0", "with -supervise, the exit statuses of CMD that are success, which -restart\n"+
		"on-failure does not restart: `LIST` of numbers and signal names (0,3,TERM)")
	f.logKeep = c.Int("log-keep", 5, "with -log-size, how many rotated files to keep: `N` (at most 1000)")
	f.setup.define(c)
	return f
}

// parseRun defines run's flags on c and parses args into a launch. Its
// error is flag.ErrHelp for -h, else a usageError; it prints nothing.
func parseRun(c *subcommand, args []string) (launch, error) {
	f := defineRun(c)
	if err := c.check(args, false); err != nil {
		return launch{}, err
	}
	set := map[string]bool{}
	c.Visit(func(f *flag.Flag) { set[f.Name] = true })
	rest := c.Args()
	l := launch{path: rest[0], argv: rest[1:], wait: *f.wait, setup: f.setup, logPath: *f.logPath, errLogPath: *f.errLogPath, args: args,
		detach: *f.detach, userSpec: *f.userSpec}
	if len(l.argv) > 0 && l.argv[0] == "--" {
		l.argv = l.argv[1:]
	}
	if len(l.argv) == 0 {
		return launch{}, usageError("missing CMD after PATH --")
	}
	if *f.logPath != "" && !*f.detach && !*f.supervise {
		return launch{}, usageError("-log needs -detach or -supervise")
	}
	if *f.errLogPath != "" && *f.logPath == "" {
		return launch{}, usageError("-log-stderr needs -log")
	}
	if *f.errLogPath != "" && *f.errLogPath == *f.logPath {
		return launch{}, usageError("-log-stderr names the -log file")
	}
	if *f.wait < 0 {
		return launch{}, usageError("negative -wait")
	}
	for _, name := range []string{"restart", "restart-delay", "restart-max", "restart-exit-ok", "stop-timeout", "log-size", "log-keep"} {
		if set[name] && !*f.supervise {
			return launch{}, usageError("-" + name + " needs -supervise")
		}
	}
	if *f.supervise {
		var err error
		if l.sup, err = parseSupervision(f, set); err != nil {
			return launch{}, err
		}
	}
	if *f.ready != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(*f.ready, "fd:"))
		switch {
		case !*f.detach && !*f.supervise:
			return launch{}, usageError("-ready needs -detach or -supervise: in the foreground nothing is left to wait")
		case *f.ready == "notify":
			n = readyNotify
		case !strings.HasPrefix(*f.ready, "fd:") || err != nil || n < 3 || n > 1023:
			return launch{}, usageError(fmt.Sprintf("-ready %s: want notify, or fd:N with N from 3 to 1023", *f.ready))
		}
		if *f.readyTimeout <= 0 {
			return launch{}, usageError("-ready-timeout must be positive")
		}
		l.readyFD, l.readyTimeout = n, *f.readyTimeout
	}
	perm, err := strconv.ParseUint(*f.mode, 8, 32)
	if err != nil || perm&^0o644 != 0 || perm&0o600 != 0o600 {
		return launch{}, usageError(fmt.Sprintf("-mode %s: want 0644, 0640 or 0600: read and write for the owner, at most read for others", *f.mode))
	}
	l.perm = fs.FileMode(perm)
	return l, nil
}

// parseSupervision parses -supervise's flags; set holds the flags given.
func parseSupervision(f *runFlags, set map[string]bool) (*supervision, error) {
	sup := &supervision{delay: *f.restartDelay, max: *f.restartMax, stopTimeout: *f.stopTimeout, logKeep: *f.logKeep}
	var err error
	if sup.restart, err = parseRestart(*f.restart); err != nil {
		return nil, usageError(err.Error())
	}
	switch {
	case *f.restartDelay <= 0:
		return nil, usageError("-restart-delay must be positive")
	case *f.restartMax < 0:
		return nil, usageError("negative -restart-max")
	case *f.stopTimeout <= 0:
		return nil, usageError("-stop-timeout must be positive")
	case *f.logKeep < 1 || *f.logKeep > maxLogKeep:
		return nil, usageError(fmt.Sprintf("-log-keep must be from 1 to %d", maxLogKeep))
	case (set["log-size"] || set["log-keep"]) && *f.logPath == "":
		return nil, usageError("-log-size and -log-keep need -log")
	case set["log-keep"] && !set["log-size"]:
		return nil, usageError("-log-keep needs -log-size")
	}
	if *f.logSize != "" {
		if sup.logSize, err = parseSize(*f.logSize); err != nil {
			return nil, usageError(err.Error())
		}
	}
	if set["restart-exit-ok"] {
		if sup.exitOK, err = parseExitOK(*f.exitOK); err != nil {
			return nil, usageError(err.Error())
		}
	}
	return sup, nil
}
