//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package main

import "golang.org/x/sys/unix"

// niceness is this process's nice value, as getpriority(2) returns it here.
func niceness() (int, error) { return unix.Getpriority(unix.PRIO_PROCESS, 0) }
