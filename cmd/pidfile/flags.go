package main

// The subcommands' flags: one line for a usage error, -h to stdout, and
// durations that take a bare number of seconds.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// subcommand is one subcommand's flag set and the way it reports a usage
// error.
type subcommand struct {
	*flag.FlagSet
	stderr    io.Writer
	usageExit int
	help      func(io.Writer)
}

func newSubcommand(name string, stdout, stderr io.Writer, usageExit int) *subcommand {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package would print its error and the whole usage to
	// stderr; parse prints one line instead, and the usage only for -h.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	c := &subcommand{FlagSet: fs, stderr: stderr, usageExit: usageExit}
	c.help = func(w io.Writer) {
		cmd := subcommandNamed(name)
		fmt.Fprintf(w, "usage: pidfile %s %s\n%s%s", name, cmd.synopsis, cmd.help, cmd.exitText())
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
	return c.report(c.check(args, onlyPath), stdout)
}

// report acts on what check (or a parse built on it) said: -h prints the
// usage to stdout and succeeds; a usage error is said in one line.
func (c *subcommand) report(err error, stdout io.Writer) (int, bool) {
	var usage usageError
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		c.help(stdout)
		return exitOK, false
	case errors.As(err, &usage):
		return c.fail(string(usage)), false
	}
	return c.fail(err.Error()), false
}

// usageError is a usage error's message.
type usageError string

func (e usageError) Error() string { return string(e) }

// check parses args and wants a PATH, and nothing after it if onlyPath; it
// says nothing: its error is flag.ErrHelp for -h, else a usageError.
func (c *subcommand) check(args []string, onlyPath bool) error {
	err := c.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return err
	case err != nil:
		return usageError(err.Error())
	case c.NArg() == 0:
		return usageError("missing PATH")
	case c.Arg(0) == "":
		// An unset variable in a script: no file, so nothing would seem
		// to run, and stop would succeed.
		return usageError("empty PATH")
	case c.NArg() > 1 && c.isFlag(c.Arg(1)):
		// "run m.pid -detach -- CMD" would run -detach as CMD.
		return usageError("flags go before PATH: " + c.Arg(1))
	case onlyPath && c.NArg() > 1:
		return usageError("more than one PATH")
	}
	return nil
}

// isFlag reports whether arg names one of c's flags (-name, --name,
// -name=value).
func (c *subcommand) isFlag(arg string) bool {
	name, ok := strings.CutPrefix(arg, "-")
	if !ok || name == "-" {
		return false
	}
	name = strings.TrimPrefix(name, "-")
	name, _, _ = strings.Cut(name, "=")
	return name == "h" || name == "help" || c.Lookup(name) != nil
}

// Duration defines a flag of a duration, as FlagSet.Duration does, that
// also takes a bare number of seconds ("10", "0.5"), as start-stop-daemon's
// users type them.
func (c *subcommand) Duration(name string, value time.Duration, usage string) *time.Duration {
	d := new(time.Duration)
	*d = value
	c.Var((*durationFlag)(d), name, usage)
	return d
}

// durationFlag is a duration flag's value.
type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }

func (d *durationFlag) Set(s string) error {
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = durationFlag(v)
	return nil
}

// parseDuration parses a Go duration (1m30s, 250ms) or a number of seconds.
func parseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil && s == strings.TrimSpace(s) && !strings.ContainsAny(s, "eEnNiIxXpP_") {
		if f > float64(math.MaxInt64)/float64(time.Second) || f < float64(math.MinInt64)/float64(time.Second) {
			return 0, fmt.Errorf("%s seconds: too long", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration such as 10s, 1m30s, 250ms, or a number of seconds", s)
	}
	return d, nil
}

// fail reports a usage error in one line and returns the usage exit status.
func (c *subcommand) fail(msg string) int {
	sayf(c.stderr, "pidfile %s: %s (see 'pidfile %s -h')", c.Name(), msg, c.Name())
	return c.usageExit
}

// negative reports a usage error for a negative duration of flag name.
func (c *subcommand) negative(name string, d time.Duration) (int, bool) {
	if d < 0 {
		return c.fail("negative -" + name), true
	}
	return 0, false
}
