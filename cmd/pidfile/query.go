package main

// status and pid: who holds a pidfile, as init scripts and people ask.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-pidfile/pidfile"
)

// state is what status and pid found, also as their -json output.
type state struct {
	Path   string `json:"path"`
	State  string `json:"state"` // running (with no PID where the holder cannot be named), not-running, no-file, unknown
	PID    int    `json:"pid,omitempty"`
	Source string `json:"source,omitempty"` // content or kernel
	Child  int    `json:"child,omitempty"`  // the CMD that a supervisor (run -supervise) runs now
	// Service is what a supervisor says of its CMD (run -supervise):
	// running, or restarting, and since when.
	Service *service `json:"service,omitempty"`
	Error   string   `json:"error,omitempty"`
	err     error    // why the PID cannot be told, for errors.Is
}

// look reads path as status and pid report it: with ReadExact, so that
// where the kernel has a lock table, no PID is printed that it contradicts.
func look(path string) state {
	s := state{Path: path}
	r, err := pidfile.ReadExact(path)
	var locked *pidfile.LockedError
	if errors.As(err, &locked) {
		// Held, by a process that cannot be named (no lock table, a
		// holder in another PID namespace, content not believed): the
		// service runs, which is what LSB's status 0 says.
		s.State, s.Error, s.err = "running", err.Error(), err
		if locked.Err != nil {
			s.Error = locked.Err.Error() // the path is said already
		}
		return s
	}
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
		if svc, ok := supervisedService(path, r.PID); ok {
			s.Service, s.Child = &svc, svc.PID
		}
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
	switch {
	case s.State == "running" && s.PID == 0 && cmd == "status":
		sayf(stdout, "pidfile status: %s: running; its PID cannot be told: %s", s.Path, s.Error)
	case s.State == "running" && s.PID == 0:
		sayf(stderr, "pidfile %s: %s: its PID cannot be told: %s", cmd, s.Path, s.Error)
	case s.State == "running" && s.Service != nil && cmd == "status":
		fmt.Fprintln(stdout, s.PID)
		sayf(stdout, "pidfile status: %s: supervisor %d runs; %s", s.Path, s.PID, s.Service.describe(time.Now()))
	case s.State == "running":
		fmt.Fprintln(stdout, s.PID)
	case s.State == "not-running":
		sayf(out, "pidfile %s: %s: not running", cmd, s.Path)
	case s.State == "no-file":
		sayf(out, "pidfile %s: %s: not running (no pidfile)", cmd, s.Path)
	default:
		sayf(stderr, "%s", s.Error) // the library's errors start "pidfile: "
	}
}

func cmdStatus(args []string, stdout, stderr io.Writer) int {
	return lookCommand("status",
		map[string]int{"running": exitOK, "not-running": exitNotRunning, "no-file": exitNoFile, "unknown": exitUnknown},
		exitUnknown, args, stdout, stderr)
}

func cmdPID(args []string, stdout, stderr io.Writer) int {
	return lookCommand("pid",
		map[string]int{"running": exitOK, "not-running": exitNotRunning, "no-file": exitNotRunning, "unknown": exitUnknown},
		exitUsage, args, stdout, stderr)
}

// lookCommand is status and pid: they differ in help, exit statuses and
// where "not running" is printed.
func lookCommand(name string, exits map[string]int, usageExit int, args []string, stdout, stderr io.Writer) int {
	c := newSubcommand(name, stdout, stderr, usageExit)
	asJSON := c.Bool("json", false, "print one JSON object: path, state, pid, source, child (of a supervisor), error")
	if code, ok := c.parse(args, stdout, true); !ok {
		return code
	}
	s := look(c.Arg(0))
	s.print(*asJSON, stdout, stderr, name)
	if name == "pid" && s.State == "running" && s.PID == 0 {
		return exitUnknown // no PID to print
	}
	if name == "status" && s.Service != nil && s.Service.State != serviceRunning {
		return exitServiceDown
	}
	return exits[s.State]
}
