package main

// The child of run -detach as the caller sees it: prepared, started and
// pinned, heard on the status pipe, waited for, and ended if its start
// fails.

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/printable"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/ready"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/tty"
)

// detached is one start of run -detach, as this process sees it.
type detached struct {
	l       launch
	stderr  io.Writer
	child   *exec.Cmd
	files   []*os.File    // the child's descriptors from 3 on: write ends, closed here once it has them
	status  *os.File      // the read end of the status pipe
	pipe    *os.File      // -ready fd:N: the read end of the readiness pipe
	notify  *ready.Socket // -ready notify
	log     *logMark      // where -log stood before the start, or nil
	group   *processGroup // the child's process group, pinned
	exited  chan struct{} // closed once the child has exited and been reaped
	closers []func()
}

// fail reports a failure before anything runs: exit 4.
func (d *detached) fail(format string, a ...any) int {
	sayf(d.stderr, "pidfile run: "+format, a...)
	return exitUnknown
}

// close closes what the start opened here (a write end that start did
// not reach, too).
func (d *detached) close() {
	for _, f := range d.files {
		if f != nil {
			f.Close()
		}
	}
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
}

// prepare makes the child's command: standard input from /dev/null, output
// to /dev/null or the log, the status pipe, and what -ready needs.
func (d *detached) prepare(args []string) string {
	l := d.l
	null, err := os.Open(os.DevNull)
	if err != nil {
		return err.Error()
	}
	d.closers = append(d.closers, func() { null.Close() })
	out, errOut, why := d.openOutput()
	if why != "" {
		return why
	}
	if err := closeInheritedOnExec(); err != nil {
		return "cannot keep this process's descriptors from the daemon: " + err.Error()
	}
	self, err := selfExecutable()
	if err != nil {
		return "cannot find this program to start it again: " + err.Error()
	}
	status, w, err := os.Pipe()
	if err != nil {
		return err.Error()
	}
	d.status = status
	d.closers = append(d.closers, func() { status.Close() })
	child := exec.Command(self, append([]string{detachedRun}, args...)...)
	// Its command line reads "pidfile _detached-run [FLAGS] PATH -- CMD":
	// what ps shows of a detached supervisor, whatever path this program
	// was started by (/proc/self/exe on Linux).
	child.Args[0] = "pidfile"
	child.Env = os.Environ()
	child.Stdin, child.Stdout, child.Stderr = null, out, errOut
	d.child = child
	// A supervisor waits for CMD's readiness itself; otherwise this
	// process does. The status pipe is the child's descriptor
	// l.statusFD(); with -ready fd:N, the write end of the readiness pipe
	// is its (and CMD's) N.
	waitsReady := l.readyFD != 0 && l.sup == nil
	last := l.statusFD()
	if waitsReady {
		last = max(last, l.readyFD)
	}
	d.files = make([]*os.File, last-2)
	d.files[l.statusFD()-3] = w
	if waitsReady && l.readyFD > 0 {
		var rw *os.File
		if d.pipe, rw, err = os.Pipe(); err != nil {
			return err.Error()
		}
		d.closers = append(d.closers, func() { d.pipe.Close() })
		d.files[l.readyFD-3] = rw
	}
	if waitsReady && l.readyFD == readyNotify {
		uid := -1
		if l.account != nil {
			uid = l.account.uid
		}
		if d.notify, err = ready.NewSocket(l.path, uid); err != nil {
			return "-ready notify: " + err.Error()
		}
		d.closers = append(d.closers, d.notify.Close)
		// CMD's NOTIFY_SOCKET is this one, whatever this process got.
		child.Env = setEnv(child.Env, "NOTIFY_SOCKET="+d.notify.Address())
	}
	child.Env = append(withoutEnv(child.Env, resolvedEnv), l.setup.passOn())
	child.ExtraFiles = d.files
	child.SysProcAttr = detachedAttr()
	return ""
}

// start starts the child, and pins its group before it can be reaped.
func (d *detached) start() string {
	err := d.child.Start()
	// The child has its copies of the write ends; this process keeps none,
	// so that the pipes end with the child (and CMD).
	for _, f := range d.files {
		if f != nil {
			f.Close()
		}
	}
	if err != nil {
		return err.Error()
	}
	// The child leads a session, and so a process group, of its own: a
	// start that fails ends that whole group, what CMD forked with it,
	// through a pin taken before the child can be reaped.
	if d.group, err = pinGroup(d.child.Process.Pid); err != nil {
		d.child.Process.Kill()
		d.child.Wait()
		return "cannot pin the detached process's group: " + err.Error()
	}
	d.closers = append(d.closers, d.group.close)
	d.exited = make(chan struct{})
	go func() {
		d.child.Wait()
		close(d.exited)
	}()
	return ""
}

// readStatus reads the status pipe, which ends when the child has executed
// CMD, or has exited; done says that the start is over, with code.
func (d *detached) readStatus() (code int, done bool) {
	heard := readStatus(d.status, func(note string) { fmt.Fprintln(d.stderr, note) })
	switch {
	case heard.failed:
		<-d.exited
		msg := heard.msg
		if heard.code == exitNotStarted {
			msg += printable.String(outputWent(d.l))
		}
		fmt.Fprintln(d.stderr, msg)
		showTail(d.stderr, d.log)
		return heard.code, true
	case !heard.execed:
		select {
		case <-d.exited:
		case <-time.After(reportWait):
			d.child.Process.Kill()
			<-d.exited
		}
		return d.fail("the detached process ended before it could execute the command (%v)", d.child.ProcessState), true
	}
	return 0, false
}

// awaitReadiness waits for CMD, process pid, to say it is ready; it says
// why not, or "". A person at a terminal is told, once, why nothing
// happens yet.
func (d *detached) awaitReadiness(pid int) string {
	if f, _ := d.stderr.(*os.File); tty.IsFile(f) {
		said := time.AfterFunc(readyNote, func() {
			sayf(d.stderr, "pidfile run: waiting up to %v for %s (process %d) to say it is ready", d.l.readyTimeout, d.l.argv[0], pid)
		})
		defer said.Stop()
	}
	if d.pipe != nil {
		return awaitReady(d.pipe, d.l, d.exited, d.child)
	}
	return awaitNotify(d.notify, d.l, d.exited, d.child)
}

// notStarted ends what the failed start left and reports it: exit 3 once
// nothing is left and the lock is free, else 4 and what is left.
func (d *detached) notStarted(format string, a ...any) int {
	sayf(d.stderr, "pidfile run: "+format+"%s", append(a, outputWent(d.l))...)
	why := endFailedStart(d.l.path, d.group, d.exited)
	showTail(d.stderr, d.log) // what CMD said, now that it has ended
	if why != "" {
		sayf(d.stderr, "pidfile run: %s: %s", d.l.path, why)
		return exitUnknown
	}
	return exitNotStarted
}
