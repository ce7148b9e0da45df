package main

import (
	"bytes"
	"os"
	"strconv"
	"syscall"

	"github.com/go-pidfile/pidfile"
)

// childFileSays reads a supervisor's child file, if it is one that only the
// owner of the pidfile path can have written.
func childFileSays(file, path string) (int, bool) {
	var pst, st syscall.Stat_t
	if syscall.Lstat(path, &pst) != nil {
		return 0, false
	}
	f, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if syscall.Fstat(int(f.Fd()), &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG ||
		st.Uid != pst.Uid || st.Mode&0o022 != 0 || st.Nlink != 1 {
		return 0, false
	}
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := pidfile.ParsePID(buf[:n])
	return pid, err == nil
}

// isSupervisedChild says whether process pid is a child of process holder
// that leads its own process group, and has not exited, as the kernel says
// (in a /proc of this process's PID namespace).
func isSupervisedChild(holder, pid int) bool {
	if self, err := os.Readlink("/proc/self"); err != nil || self != strconv.Itoa(os.Getpid()) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ppid pgrp ...: comm may hold anything, ")" too.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return false
	}
	f := bytes.Fields(stat[i+1:])
	if len(f) < 3 || f[0][0] == 'Z' || f[0][0] == 'X' {
		return false
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pgrp, err2 := strconv.Atoi(string(f[2]))
	return err1 == nil && err2 == nil && ppid == holder && pgrp == pid
}
