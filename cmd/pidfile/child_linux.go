package main

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// childFileSays reads a supervisor's child file, if it is one that only the
// owner of the pidfile path can have written.
func childFileSays(file, path string) (service, bool) {
	var pst, st syscall.Stat_t
	if syscall.Lstat(path, &pst) != nil {
		return service{}, false
	}
	f, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return service{}, false
	}
	defer f.Close()
	if syscall.Fstat(int(f.Fd()), &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG ||
		st.Uid != pst.Uid || st.Mode&0o022 != 0 || st.Nlink != 1 {
		return service{}, false
	}
	buf := make([]byte, maxServiceText)
	n, _ := f.ReadAt(buf, 0)
	return decodeService(string(buf[:n]))
}

// isSupervisedChild says whether process pid is a child of process holder
// that leads its own process group, and has not exited, as the kernel says
// (in a /proc of this process's PID namespace).
func isSupervisedChild(holder, pid int) bool {
	if !procIsOurs() {
		return false
	}
	st, ok := readStat(pid)
	return ok && st.running() && st.ppid == holder && st.pgrp == pid
}

// procIsOurs reports whether /proc speaks of this process's PID namespace.
func procIsOurs() bool {
	self, err := os.Readlink("/proc/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
}

// statFields is what /proc/PID/stat says of a process that this file uses.
type statFields struct {
	state      byte
	ppid, pgrp int
}

// running: neither a zombie nor dead.
func (s statFields) running() bool { return s.state != 'Z' && s.state != 'X' }

// readStat reads /proc/PID/stat.
func readStat(pid int) (statFields, bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return statFields{}, false
	}
	// pid (comm) state ppid pgrp ...: comm may hold anything, ")" too.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return statFields{}, false
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return statFields{}, false
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pgrp, err2 := strconv.Atoi(string(f[2]))
	return statFields{f[0][0], ppid, pgrp}, err1 == nil && err2 == nil
}

// onlyZombies reports whether every member of process group pgid that
// /proc lists has exited (zombies that their parent has not reaped yet,
// which a slow reaper may leave for long): such a group runs nothing, and
// holds no descriptor. False where /proc cannot tell.
func onlyZombies(pgid int) bool {
	if !procIsOurs() {
		return false
	}
	dir, err := os.Open("/proc")
	if err != nil {
		return false
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return false
	}
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		if st, ok := readStat(pid); ok && st.pgrp == pgid && st.running() {
			return false
		}
	}
	return true
}
