package main

// run -supervise: the options, and what they mean. The supervisor itself is
// supervisor.go, on the systems that can make the kernel end CMD with it.
//
// run -supervise keeps the lock out of CMD: the supervisor claims PATH and
// stays, CMD runs as its child without the lock's descriptor, and no worker
// that CMD forks can inherit the lock and keep it after CMD is gone. The
// supervisor forwards signals to CMD, ends what CMD leaves in its process
// group, restarts CMD if asked, and copies its output to a log that follows
// rotation.

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// supervisedCmd is the hidden subcommand in which the supervisor's child
// sets CMD's environment up and executes it: "_supervised-cmd SUPERVISOR
// RUN-ARGS...", SUPERVISOR being the supervisor's PID.
const supervisedCmd = "_supervised-cmd"

// restartPolicy is -restart: which exits of CMD are followed by a new start.
type restartPolicy int

const (
	restartNever     restartPolicy = iota
	restartOnFailure               // a non-zero status, or a signal that was not a stop request
	restartAlways                  // any exit that was not a stop request
)

// supervision is what run -supervise was asked, beyond run's own flags.
type supervision struct {
	restart     restartPolicy
	exitOK      map[int]bool  // -restart-exit-ok: the statuses (a signal as 128+N) that are success; nil for 0 alone
	delay       time.Duration // the first restart delay; it doubles up to maxRestartDelay
	max         int           // restarts in a row of runs shorter than steadyRun before giving up; 0: no limit
	stopTimeout time.Duration // from a stop request (or the end of CMD) to KILL for CMD's group
	logSize     int64         // rotate before FILE would pass this; 0: never
	logKeep     int           // FILE.1 ... FILE.logKeep
}

// parseExitOK parses -restart-exit-ok: statuses from 0 to 255 and signal
// names (TERM, SIGHUP: 128+N), separated by commas, as systemd's
// SuccessExitStatus= and supervisord's exitcodes= name them.
func parseExitOK(list string) (map[int]bool, error) {
	ok := map[int]bool{}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if n, err := strconv.Atoi(item); err == nil && n >= 0 && n <= 255 {
			ok[n] = true
			continue
		}
		sig, found := signalNamed(item)
		n, isNumber := sig.(syscall.Signal)
		if !found || !isNumber {
			return nil, fmt.Errorf("-restart-exit-ok %s: want statuses from 0 to 255 or signal names, separated by commas (0,3,TERM)", list)
		}
		ok[128+int(n)] = true
	}
	return ok, nil
}

// parseRestart parses -restart.
func parseRestart(s string) (restartPolicy, error) {
	switch s {
	case "never":
		return restartNever, nil
	case "on-failure":
		return restartOnFailure, nil
	case "always":
		return restartAlways, nil
	}
	return 0, fmt.Errorf("-restart %s: want never, on-failure or always", s)
}

// maxLogKeep bounds -log-keep: each rotation renames every kept file.
const maxLogKeep = 1000

// parseSize parses -log-size: a number of bytes, or with a unit K, M or G
// (powers of 1024), in either case, alone or followed by B or iB: 10M,
// 10m, 10MB and 10MiB are all ten MiB.
func parseSize(s string) (int64, error) {
	n, unit := s, int64(1)
	u := strings.ToUpper(s)
	for suffix, size := range map[string]int64{"K": 1 << 10, "M": 1 << 20, "G": 1 << 30} {
		for _, form := range []string{suffix + "IB", suffix + "B", suffix} {
			if strings.HasSuffix(u, form) {
				n, unit = s[:len(s)-len(form)], size
				break
			}
		}
		if unit > 1 {
			break
		}
	}
	v, err := strconv.ParseInt(n, 10, 64)
	if err != nil || v <= 0 || v > (1<<62)/unit {
		return 0, fmt.Errorf("-log-size %s: want a positive number of bytes, with K, M or G for KiB, MiB or GiB (10M, 10MB)", s)
	}
	return v * unit, nil
}

// execSupervised is the child of a supervisor (process supervisor): it sets
// CMD's environment up and executes CMD in its own place, as run does, but
// claims nothing. Its parent-death signal, which a change of user clears, is
// set again just before the exec, on the thread that calls execve.
func (l launch) execSupervised(r reporter, supervisor int) int {
	// No PIDFILE_FD: the supervisor holds PATH, and CMD never does.
	return l.execCMD(r, func() ([]string, error) { return nil, keepDeathSignal(supervisor) })
}
