package main

import "syscall"

const prSetChildSubreaper = 36 // PR_SET_CHILD_SUBREAPER, from <linux/prctl.h>

// adoptOrphans makes this process the subreaper of its descendants: PID 1
// on some machines (this one) reaps orphans late or never.
func adoptOrphans() {
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); e != 0 {
		panic(e)
	}
}
