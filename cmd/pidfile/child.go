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

// supervisedService is what the supervisor that holds the pidfile path,
// process holder, says of its service, as far as the kernel confirms it:
// the file must be written by that supervisor, and a running CMD must be
// its child that leads its own group. False where there is none, or it
// cannot be told (elsewhere than on Linux).
func supervisedService(path string, holder int) (service, bool) {
	s, ok := childFileSays(path+childSuffix, path)
	if !ok || s.Supervisor != holder || s.State == serviceRunning && !isSupervisedChild(holder, s.PID) {
		return service{}, false
	}
	return s, true
}
