package main

// status and pid: who holds a pidfile, as init scripts and people ask.

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/go-pidfile/pidfile"
)

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
		sayf(out, "pidfile %s: %s: not running", cmd, s.Path)
	case "no-file":
		sayf(out, "pidfile %s: %s: not running (no pidfile)", cmd, s.Path)
	default:
		sayf(stderr, "%s", s.Error) // the library's errors start "pidfile: "
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
