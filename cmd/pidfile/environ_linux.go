package main

import "golang.org/x/sys/unix"

// niceness is this thread's nice value. Linux's getpriority(2) returns
// 20 - nice, so that it is never negative.
func niceness() (int, error) {
	p, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	return 20 - p, err
}
