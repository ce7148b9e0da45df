package main

// Which CMD a supervisor runs now, for status -json: the supervisor writes
// its PID to PATH.child (empty between runs), a file beside the pidfile that
// only it writes. status believes it only as far as the kernel agrees, so
// that another user cannot make status name a process: the file must be
// owned by the pidfile's owner and writable by nobody else, and the PID
// in it must be a child of the pidfile's holder that leads its own process
// group, as the supervisor starts CMD. (An orphan that the supervisor reaps
// may lead a group too, after setsid; but the supervisor writes only the
// PID of the CMD it started, and empties the file once it has reaped it.)

// childSuffix names a supervisor's child file: PATH + childSuffix.
const childSuffix = ".child"

// supervisedChild is the PID of the CMD that holder, the holder of the
// pidfile path, supervises now, or 0 if there is none or it cannot be told.
func supervisedChild(path string, holder int) int {
	pid, ok := childFileSays(path+childSuffix, path)
	if !ok || !isSupervisedChild(holder, pid) {
		return 0
	}
	return pid
}
