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

	"github.com/go-pidfile/pidfile/internal/procstat"
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

// initialPIDNamespace reports whether this process runs in the host's
// initial PID namespace, which sees every process: there, a lock table that
// lists no holder of a held lock is a hidden one (a bind mount over
// /proc/locks), not one that hides a holder. The kernel numbers that
// namespace PROC_PID_INIT_INO. A process never changes its PID namespace.
var initialPIDNamespace = sync.OnceValue(func() bool {
	var buf [64]byte
	n, err := unix.Readlink("/proc/self/ns/pid", buf[:])
	return err == nil && string(buf[:n]) == "pid:[4026531836]"
})

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
	stat, ok := procstat.Parse(buf[:n])
	if !ok {
		return 0, false
	}
	ticks := stat.StartTime
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

// fdBatch is how many directory entries processHoldsLock reads at a time.
const fdBatch = 4096

// processHoldsLock reports whether process pid holds the exclusive flock on
// the file id, and whether that could be told (reading another user's
// descriptors needs privilege). Having the file open is not enough: a
// process that opened it with "sleep <F" has it open and holds nothing. So
// a descriptor of the file counts only if its open file description holds
// the lock, which the kernel tells in the descriptor's fdinfo as a "lock:"
// line (Linux 3.14 and later): it lists the locks whose owner is that very
// description.
//
// It looks at the descriptors in order and stops at the first that holds
// the lock: a pidfile is usually among a process's first descriptors, and a
// process may have tens of thousands.
//
// A process whose main thread has exited while others run on shows no
// descriptors under /proc/PID/fd; they are then looked for under its other
// threads, which share them.
func processHoldsLock(pid int, id fileID) (has, known bool) {
	base := "/proc/" + strconv.Itoa(pid)
	has, known, empty := dirHoldsLock(base, id)
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
			if has, known, empty = dirHoldsLock(base+"/task/"+tid, id); !empty {
				return has, known
			}
		}
	}
}

// dirHoldsLock looks for a descriptor of the file id that holds its lock
// among those that base/fd lists, base being /proc/PID or a thread's
// /proc/PID/task/TID. empty reports that it lists none (or could not be
// read: the thread may have exited).
func dirHoldsLock(base string, id fileID) (has, known, empty bool) {
	dir, err := unix.Open(base+"/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
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
	empty, known = true, true
	for {
		n, err := getdents(dir, buf[:])
		if err != nil {
			return false, false, false
		}
		if n == 0 {
			return false, known, empty
		}
		// One entry at a time: the search usually ends at the first few.
		for off := 0; off < n; {
			var used int
			used, _, names = unix.ParseDirent(buf[off:n], 1, names[:0])
			off += used
			for _, name := range names {
				empty = false
				// Each entry is a link to the open file; fstatat follows it.
				if unix.Fstatat(dir, name, &st, 0) != nil || uint64(st.Dev) != id.dev || st.Ino != id.ino {
					continue
				}
				switch locks, ok := fdHoldsLock(base+"/fdinfo/"+name, id); {
				case locks:
					return true, true, false
				case !ok:
					known = false // another descriptor may still tell
				}
			}
		}
	}
}

// fdinfoMax bounds the read of one fdinfo file: a few lines, and one
// "lock:" line per lock of the description (a flock and its pidfile: one).
const fdinfoMax = 1024

// fdHoldsLock reports whether the descriptor whose fdinfo file is at path
// holds an exclusive flock on the file id, and whether that could be read.
func fdHoldsLock(path string, id fileID) (locks, ok bool) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, false
	}
	defer unix.Close(fd)
	var buf [fdinfoMax]byte
	n, err := unix.Pread(fd, buf[:], 0)
	if err != nil {
		return false, false
	}
	return fdinfoHoldsLock(buf[:n], id.ino), true
}

// fdinfoHoldsLock reports whether an fdinfo text lists an exclusive flock,
// held and not waited for, on inode ino. Each such line is "lock:" and then
// a line of /proc/locks (locktable_linux.go):
//
//	lock:	1: FLOCK  ADVISORY  WRITE 4242 fd:01:1310731 0 EOF
//
// It is read field by field without allocating: Signal and ReadExact ask it
// for every descriptor of the pidfile that a holder has.
func fdinfoHoldsLock(text []byte, ino uint64) bool {
	var num [24]byte
	suffix := strconv.AppendUint(append(num[:0], ':'), ino, 10)
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		rest, found := bytes.CutPrefix(line, []byte("lock:"))
		if !found {
			continue
		}
		// Fields: "1:", then (a waiter only) "->", kind, "ADVISORY",
		// access, PID, device:inode, start, end.
		var field [6][]byte
		n := 0
		for n < len(field) {
			rest = bytes.TrimLeft(rest, " \t")
			if len(rest) == 0 {
				break
			}
			end := bytes.IndexAny(rest, " \t")
			if end < 0 {
				end = len(rest)
			}
			field[n], rest = rest[:end], rest[end:]
			n++
		}
		if n == len(field) && string(field[1]) == "FLOCK" && string(field[3]) == "WRITE" && bytes.HasSuffix(field[5], suffix) {
			return true
		}
	}
	return false
}

// getdents reads directory entries, retrying when interrupted.
func getdents(fd int, buf []byte) (n int, err error) {
	err = ignoringEINTR(func() error {
		n, err = unix.Getdents(fd, buf)
		return err
	})
	return n, err
}
