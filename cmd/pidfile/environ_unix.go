//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// limitNames are -limit's names, as prlimit(1) and ulimit(1) call them (as,
// where the system has it, is added by environ_as.go).
var limitNames = []string{"nofile", "nproc", "core", "data", "fsize", "memlock", "stack", "cpu"}

var limitResources = map[string]int{
	"nofile": unix.RLIMIT_NOFILE, "nproc": unix.RLIMIT_NPROC, "core": unix.RLIMIT_CORE,
	"data": unix.RLIMIT_DATA, "fsize": unix.RLIMIT_FSIZE,
	"memlock": unix.RLIMIT_MEMLOCK, "stack": unix.RLIMIT_STACK, "cpu": unix.RLIMIT_CPU,
}

func knownLimit(name string) bool { _, ok := limitResources[name]; return ok }

// apply sets the environment up in this process, which is about to execute
// CMD: before it drops privileges (a negative -nice and a raised hard limit
// need root). Niceness belongs to a thread on Linux, and the thread that
// calls execve passes its own on, so this goroutine stays on its thread.
func (e *environment) apply() error {
	if e.dir != "" {
		if err := os.Chdir(e.dir); err != nil {
			return fmt.Errorf("-chdir: %w", err)
		}
	}
	if e.umask >= 0 {
		syscall.Umask(e.umask)
	}
	for _, l := range e.limits {
		var rl unix.Rlimit
		res := limitResources[l.name]
		if err := unix.Getrlimit(res, &rl); err != nil {
			return fmt.Errorf("-limit %s: %w", l.name, err)
		}
		setLimit(&rl.Cur, l.soft)
		if l.hardSet {
			setLimit(&rl.Max, l.hard)
		} else if rl.Cur > rl.Max {
			rl.Max = rl.Cur
		}
		if err := unix.Setrlimit(res, &rl); err != nil {
			return fmt.Errorf("-limit %s: setrlimit: %w", l.name, err)
		}
	}
	if e.niceSet {
		runtime.LockOSThread()
		cur, err := niceness()
		if err == nil {
			err = unix.Setpriority(unix.PRIO_PROCESS, 0, min(max(cur+e.nice, -20), 19))
		}
		if err != nil {
			return fmt.Errorf("-nice %d: %w", e.nice, err)
		}
	}
	return nil
}

// setLimit sets a field of unix.Rlimit, whose type differs by system, to v.
func setLimit[T ~uint64 | ~int64](field *T, v uint64) {
	if v == unlimited {
		inf := uint64(unix.RLIM_INFINITY)
		*field = T(inf)
		return
	}
	*field = T(v)
}
