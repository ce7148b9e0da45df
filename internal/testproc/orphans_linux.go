package testproc

import "golang.org/x/sys/unix"

// AdoptOrphans makes this process the subreaper of its descendants, so that
// the orphans of its helpers (a helper's child, flock(1)'s command, a
// detached daemon) become its children, to be reaped by the tests that made
// them: PID 1 on some machines reaps orphans late or never.
func AdoptOrphans() {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		panic(err)
	}
}
