package main

// The status pipe: how the child of run -detach tells its parent, which
// waits to report the start, how the start went. The child's end is
// close-on-exec, so it ends with the execve of CMD or with the child. In
// lines:
//
//	exec            execve comes next; end of file then means it succeeded
//	started         (a supervisor) the first CMD has started, and is ready
//	note MESSAGE    for the operator's terminal, on the way
//	STATUS MESSAGE  the start failed: run's exit status, and why
//
// MESSAGE is printable (one line, control bytes escaped) as the child
// writes it.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/printable"
)

const (
	execMarker    = "exec\n"
	startedMarker = "started\n"
	notePrefix    = "note "
)

// reporter says, in one line, why run stops: on standard error, or, in the
// child of run -detach, to the parent through the status pipe.
type reporter struct {
	stderr io.Writer
	status *os.File
}

// piped reports whether a parent waits on the status pipe.
func (r reporter) piped() bool { return r.status != nil }

// fail reports the message and returns code.
func (r reporter) fail(code int, format string, a ...any) int {
	if r.status != nil {
		fmt.Fprintf(r.status, "%d %s\n", code, printable.String(fmt.Sprintf(format, a...)))
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
		fmt.Fprintf(r.status, "%s%s\n", notePrefix, printable.String(fmt.Sprintf(format, a...)))
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

// started tells the parent of a detached supervisor that the first CMD has
// started, and ends the pipe: from here on, failures are the log's.
func (r *reporter) started() {
	if r.status == nil {
		return
	}
	io.WriteString(r.status, startedMarker)
	r.status.Close()
	r.status = nil
}

// statusHeard is what the parent read on the status pipe.
type statusHeard struct {
	execed bool   // "exec" or "started" came
	failed bool   // a failure came: code and msg
	code   int    //
	msg    string //
}

// readStatus reads the status pipe up to its end or to a failure, passing
// each note to note as it comes.
func readStatus(r io.Reader, note func(string)) statusHeard {
	var h statusHeard
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, notePrefix); ok {
			note(n)
		} else if line+"\n" == execMarker || line+"\n" == startedMarker {
			h.execed = true
		} else if code, msg, ok := strings.Cut(line, " "); ok {
			if n, err := strconv.Atoi(code); err == nil {
				h.failed, h.code, h.msg = true, n, msg
				return h
			}
		}
	}
	return h
}
