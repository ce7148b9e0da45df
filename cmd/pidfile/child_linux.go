package main

import (
	"os"
	"strconv"
	"syscall"

	"github.com/go-pidfile/pidfile/internal/procstat"
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
	return ok && st.Running() && st.PPID == holder && st.PGRP == pid
}

// procIsOurs reports whether /proc speaks of this process's PID namespace.
func procIsOurs() bool {
	self, err := os.Readlink("/proc/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
}

// readStat reads /proc/PID/stat.
func readStat(pid int) (procstat.Stat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procstat.Stat{}, false
	}
	return procstat.Parse(b)
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
		if st, ok := readStat(pid); ok && st.PGRP == pgid && st.Running() {
			return false
		}
	}
	return true
}
