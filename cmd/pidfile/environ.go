package main

// run's execution environment: -chdir, -umask, -nice, -limit, -env and
// -env-file, as start-stop-daemon and chpst set them up. The flags are
// parsed (a bad value is a usage error) and the -env-file read (a malformed
// line is an error naming it) before the claim; they are applied after the
// claim and before the exec, and one that cannot be applied stops run before
// CMD starts, with the lock released.

import (
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// environment is what the flags ask for; the zero value changes nothing.
type environment struct {
	dir     string
	umask   int // -1: unchanged
	nice    int
	niceSet bool
	limits  []limit
	// settings are the -env and -env-file assignments, in the order given:
	// a later one wins.
	settings []setting
	// assigned are the settings as KEY=VALUE, the files read (resolve)
	// or passed on (inherit).
	assigned []string
}

// limit is one -limit NAME=SOFT[:HARD].
type limit struct {
	name       string
	soft, hard uint64
	hardSet    bool
}

// setting is one -env KEY=VALUE, or one -env-file FILE (read later).
type setting struct {
	kv   string // KEY=VALUE, or "" for a file
	file string
}

// unlimited stands for RLIM_INFINITY in a parsed limit.
const unlimited = ^uint64(0)

// flagFunc makes a flag of f, which parses one value.
type flagFunc func(string) error

func (f flagFunc) String() string     { return "" }
func (f flagFunc) Set(s string) error { return f(s) }

// define adds the environment's flags to c.
func (e *environment) define(c *subcommand) {
	e.umask = -1
	c.StringVar(&e.dir, "chdir", "", "after the claim, change to `DIR` before executing CMD")
	c.Var(flagFunc(func(s string) error {
		n, err := strconv.ParseUint(s, 8, 32)
		if err != nil || n > 0o777 {
			return fmt.Errorf("want an octal mode from 0 to 0777")
		}
		e.umask = int(n)
		return nil
	}), "umask", "set the file mode creation mask to `MODE` (octal) for CMD")
	c.Var(flagFunc(func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < -40 || n > 40 {
			return fmt.Errorf("want a number from -40 to 40")
		}
		e.nice, e.niceSet = n, true
		return nil
	}), "nice", "add `N` to CMD's niceness, as nice(1) does (negative: root only)")
	c.Var(flagFunc(func(s string) error {
		l, err := parseLimit(s)
		if err == nil {
			e.limits = append(e.limits, l)
		}
		return err
	}), "limit", "set CMD's resource limit: `NAME=SOFT[:HARD]`, NAME one of "+strings.Join(limitNames, ", ")+",\n"+
		"values numbers or unlimited (a SOFT alone keeps the hard limit, raised to it\nif lower); repeatable")
	c.Var(flagFunc(func(s string) error {
		if k, _, ok := strings.Cut(s, "="); !ok || k == "" || strings.ContainsAny(k, " \t") {
			return fmt.Errorf("want KEY=VALUE")
		}
		e.settings = append(e.settings, setting{kv: s})
		return nil
	}), "env", "set `KEY=VALUE` in CMD's environment; repeatable, later settings win")
	c.Var(flagFunc(func(s string) error {
		e.settings = append(e.settings, setting{file: s})
		return nil
	}), "env-file", "set the NAME=VALUE lines of `FILE` in CMD's environment, written as for sh\n(export, quotes and # comments allowed; $ expansions refused); read once,\nand only if no user but root and this one could have written it;\nrepeatable, later settings win")
}

// parseLimit parses NAME=SOFT[:HARD].
func parseLimit(s string) (limit, error) {
	name, values, ok := strings.Cut(s, "=")
	if !ok || !knownLimit(name) {
		return limit{}, fmt.Errorf("want NAME=SOFT[:HARD], NAME one of %s", strings.Join(limitNames, ", "))
	}
	l := limit{name: name}
	soft, hard, hardSet := strings.Cut(values, ":")
	var err error
	if l.soft, err = limitValue(soft); err != nil {
		return limit{}, err
	}
	if hardSet {
		if l.hard, err = limitValue(hard); err != nil {
			return limit{}, err
		}
		if l.soft > l.hard {
			return limit{}, fmt.Errorf("%s: the soft limit is above the hard one", s)
		}
		l.hardSet = true
	}
	return l, nil
}

func limitValue(s string) (uint64, error) {
	if s == "unlimited" || s == "infinity" {
		return unlimited, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: want a number or unlimited", s)
	}
	return n, nil
}

// resolvedEnv carries the -env and -env-file settings, read once by the
// run that a user started, to the processes that it starts to run CMD (the
// child of -detach, the supervisor, CMD's starter): none of them reads a
// file again, so none reads it as -user's user, or sees it changed.
const resolvedEnv = "PIDFILE_RUN_SETTINGS"

// resolve reads the -env-file files now, and keeps every setting, in
// order, as KEY=VALUE.
func (e *environment) resolve() error {
	e.assigned = nil
	for _, s := range e.settings {
		if s.file == "" {
			e.assigned = append(e.assigned, s.kv)
			continue
		}
		kvs, err := readEnvFile(s.file)
		if err != nil {
			return err
		}
		e.assigned = append(e.assigned, kvs...)
	}
	return nil
}

// inherit takes the settings that the run which started this process read
// (resolvedEnv), and takes them out of this process's environment.
func (e *environment) inherit() error {
	v, ok := os.LookupEnv(resolvedEnv)
	if !ok {
		return fmt.Errorf("%s is missing: this process is started only by pidfile run", resolvedEnv)
	}
	os.Unsetenv(resolvedEnv)
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return fmt.Errorf("%s: %v", resolvedEnv, err)
	}
	e.assigned = nil
	if len(b) > 0 {
		e.assigned = strings.Split(string(b), "\x00")
	}
	return nil
}

// passOn is resolvedEnv=SETTINGS, for the environment of a process that
// this one starts to run CMD: the settings joined by NUL, which none can
// hold, in base64, which keeps every byte of a value (JSON would not).
func (e *environment) passOn() string {
	return resolvedEnv + "=" + base64.StdEncoding.EncodeToString([]byte(strings.Join(e.assigned, "\x00")))
}

// environ returns env with the settings made, in order.
func (e *environment) environ(env []string) []string {
	for _, kv := range e.assigned {
		env = setEnv(env, kv)
	}
	return env
}

// withoutEnv is env without key.
func withoutEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return out
}

// setEnv replaces or adds kv's key in env.
func setEnv(env []string, kv string) []string {
	key, _, _ := strings.Cut(kv, "=")
	out := env[:0:0]
	for _, old := range env {
		if k, _, _ := strings.Cut(old, "="); k != key {
			out = append(out, old)
		}
	}
	return append(out, kv)
}
