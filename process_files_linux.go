//go:build linux && !pidfile_portable

package pidfile

// What /proc tells of a process: whether it has a file open, when it
// started, and whether /proc speaks of this process's PID namespace at all.
// Facts only; trust.go judges them.

import (
	"bytes"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ownProc caches procIsOurs: a process never changes its PID namespace.
var ownProc = sync.OnceValue(func() bool {
	var buf [16]byte
	n, err := unix.Readlink("/proc/self", buf[:])
	return err == nil && string(buf[:n]) == strconv.Itoa(selfPID)
})

// procIsOurs reports whether /proc belongs to this process's PID namespace:
// /proc/self then names this process by its own PID. After unshare -p
// without a new /proc (or nsenter -p without -m), /proc speaks of another
// namespace's processes, while kill(2) and pidfd_open(2) act in this one, so
// no PID that /proc gives may be acted on.
func procIsOurs() bool { return ownProc() }

// processStartedAt returns when process pid started, in nanoseconds since
// the epoch, as /proc/PID/stat tells, rounded down to a clock tick.
func processStartedAt(pid int) (int64, bool) {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, false
	}
	defer unix.Close(fd)
	var buf [1024]byte
	n, err := unix.Pread(fd, buf[:], 0)
	if err != nil {
		return 0, false
	}
	ticks, ok := statStartTime(buf[:n])
	if !ok {
		return 0, false
	}
	// The start time counts from boot on CLOCK_BOOTTIME; the epoch's
	// clock differs from it, now, by the moment of boot.
	var real, boot unix.Timespec
	if unix.ClockGettime(unix.CLOCK_REALTIME, &real) != nil || unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot) != nil {
		return 0, false
	}
	return real.Nano() - boot.Nano() + int64(ticks)*int64(time.Second/userHZ), true
}

// userHZ is the unit of the times in /proc/PID/stat: Linux fixes it at 100
// per second for every architecture it runs on today.
const userHZ = 100

// statStartTime reads the start time (field 22, in clock ticks since boot)
// of a /proc/PID/stat text. Field 2, the command name in parentheses, may
// hold spaces and parentheses of its own, so fields are counted from the
// last ')'.
func statStartTime(stat []byte) (uint64, bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	fields := bytes.Fields(stat[i+1:])
	const start = 22 - 3 // fields 3 onwards follow the name
	if len(fields) <= start {
		return 0, false
	}
	ticks, err := strconv.ParseUint(string(fields[start]), 10, 64)
	return ticks, err == nil
}

// fdBatch is how many directory entries processHasFile reads at a time.
const fdBatch = 4096

// processHasFile reports whether process pid has the file id open, and
// whether that could be told (reading another user's descriptors needs
// privilege). It looks at the descriptors in order and stops at the first
// that is the file: a pidfile is usually among a process's first
// descriptors, and a process may have tens of thousands.
//
// A process whose main thread has exited while others run on shows no
// descriptors under /proc/PID/fd; they are then looked for under its other
// threads, which share them.
func processHasFile(pid int, id fileID) (has, known bool) {
	base := "/proc/" + strconv.Itoa(pid)
	has, known, empty := dirHasFile(base+"/fd", id)
	if !empty {
		return has, known
	}
	tasks, err := unix.Open(base+"/task", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, false
	}
	defer unix.Close(tasks)
	var buf [fdBatch]byte
	var names []string
	for {
		n, err := getdents(tasks, buf[:])
		if err != nil {
			return false, false
		}
		if n == 0 {
			return false, known
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names[:0])
		for _, tid := range names {
			if tid == strconv.Itoa(pid) {
				continue
			}
			if has, known, empty = dirHasFile(base+"/task/"+tid+"/fd", id); !empty {
				return has, known
			}
		}
	}
}

// dirHasFile looks for the file id among the descriptors that dir, a
// /proc/.../fd directory, lists. empty reports that it lists none (or could
// not be read: the thread may have exited).
func dirHasFile(path string, id fileID) (has, known, empty bool) {
	dir, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT {
		return false, false, true
	}
	if err != nil {
		return false, false, false
	}
	defer unix.Close(dir)
	var buf [fdBatch]byte
	var names []string
	var st unix.Stat_t
	empty = true
	for {
		n, err := getdents(dir, buf[:])
		if err != nil {
			return false, false, false
		}
		if n == 0 {
			return false, true, empty
		}
		// One entry at a time: the search usually ends at the first few.
		for off := 0; off < n; {
			var used int
			used, _, names = unix.ParseDirent(buf[off:n], 1, names[:0])
			off += used
			for _, name := range names {
				empty = false
				// Each entry is a link to the open file; fstatat follows it.
				if unix.Fstatat(dir, name, &st, 0) == nil && uint64(st.Dev) == id.dev && st.Ino == id.ino {
					return true, true, false
				}
			}
		}
	}
}

// getdents reads directory entries, retrying when interrupted.
func getdents(fd int, buf []byte) (n int, err error) {
	err = ignoringEINTR(func() error {
		n, err = unix.Getdents(fd, buf)
		return err
	})
	return n, err
}
