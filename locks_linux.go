//go:build linux && !pidfile_portable

package pidfile

// The kernel's lock table. /proc/locks lists every file lock on the host, one
// line each; for a flock it names the process that took it, translated into
// the reader's PID namespace (locks of processes the reader cannot see are
// left out). A line looks like
//
//	12: FLOCK  ADVISORY  WRITE 4242 fd:01:1310731 0 EOF
//	12: -> FLOCK  ADVISORY  WRITE 4343 fd:01:1310731 0 EOF
//
// where "->" marks a process blocked waiting for the lock above it, and the
// device is major:minor in hex. Reading the table costs time in proportion to
// all locks on the host, so it is asked only when the pidfile's content fails
// to name a live process.

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// procLocksPath is a variable so that tests can hide or replace the table.
var procLocksPath = "/proc/locks"

// maxLockLines bounds how much of the table is read: far more locks than a
// host holds in practice, yet a bounded amount of work on a hostile one.
const maxLockLines = 1 << 20

// lockEntry is one parsed line of /proc/locks.
type lockEntry struct {
	kind    string // FLOCK, POSIX, OFDLCK, DELEG, LEASE, ...
	waiting bool   // "->": blocked, not holding
	write   bool
	pid     int
	major   uint32
	minor   uint32
	ino     uint64
}

// parseLockLine parses one line of /proc/locks. It reports false for a line
// it does not understand; the caller skips such lines.
func parseLockLine(line string) (lockEntry, bool) {
	var e lockEntry
	f := strings.Fields(line)
	if len(f) < 6 || !strings.HasSuffix(f[0], ":") {
		return e, false
	}
	f = f[1:]
	if f[0] == "->" {
		e.waiting = true
		f = f[1:]
	}
	if len(f) < 5 {
		return e, false
	}
	e.kind = f[0]
	if !upperWord(e.kind) {
		return e, false
	}
	switch f[2] {
	case "WRITE":
		e.write = true
	case "READ":
	default:
		return e, false
	}
	pid, err := strconv.ParseInt(f[3], 10, 32)
	if err != nil {
		return e, false
	}
	e.pid = int(pid)
	id := strings.Split(f[4], ":")
	if len(id) != 3 {
		return e, false
	}
	major, err1 := strconv.ParseUint(id[0], 16, 32)
	minor, err2 := strconv.ParseUint(id[1], 16, 32)
	ino, err3 := strconv.ParseUint(id[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return e, false
	}
	e.major, e.minor, e.ino = uint32(major), uint32(minor), ino
	return e, true
}

// tableChunk is how much of the lock table one read asks for: the table of a
// busy host in a few reads.
const tableChunk = 32 << 10

// rawReader reads a descriptor with read(2).
type rawReader int

func (r rawReader) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(int(r), p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// maxCandidates bounds how many holders of one inode are remembered.
const maxCandidates = 8

// upperWord reports whether s is a word of capital letters, as the kernel
// names lock kinds.
func upperWord(s string) bool {
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return s != ""
}

// flockHolders returns the PIDs that the lock table at path gives for flocks
// held on inode ino: exact lists those on device dev, exclusive before
// shared (a read-only Read on NFS takes a shared one); others lists those on
// other devices. Some filesystems (btrfs subvolumes, overlayfs) report one
// device to stat(2) and another in the table, so an inode-only match is a
// candidate that the caller must confirm. err is set if there is no table.
func flockHolders(path string, dev, ino uint64) (exact, others []int, err error) {
	// The raw descriptor spares the runtime's poller registration that an
	// *os.File makes and undoes, four system calls per read of the table.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	major, minor := unix.Major(dev), unix.Minor(dev)
	// Only a line with ":INODE" at the end of a field can be about the
	// file; the rest, most of a busy host's table, are skipped unparsed.
	field := []byte(":" + strconv.FormatUint(ino, 10))
	inner := append(field[:len(field):len(field)], ' ')
	var shared []int
	sc := bufio.NewScanner(rawReader(fd))
	sc.Buffer(make([]byte, 0, tableChunk), bufio.MaxScanTokenSize)
	for n := 0; n < maxLockLines && sc.Scan(); n++ {
		if line := sc.Bytes(); !bytes.Contains(line, inner) && !bytes.HasSuffix(line, field) {
			continue
		}
		e, good := parseLockLine(sc.Text())
		if !good || e.kind != "FLOCK" || e.waiting || e.pid <= 0 || e.ino != ino {
			continue
		}
		switch {
		case e.major != major || e.minor != minor:
			if len(others) < maxCandidates {
				others = append(others, e.pid)
			}
		case e.write:
			exact = append(exact, e.pid) // an exclusive lock has one holder
		case len(shared) < maxCandidates:
			shared = append(shared, e.pid)
		}
	}
	return append(exact, shared...), others, nil
}

// kernelHolder asks the lock table who holds the flock on f, and checks the
// answer: in the host's initial PID namespace the table keeps naming the
// process that took the lock after it exited, or after it handed its
// descriptor to a child and closed its own. A named process that is gone, or
// that has the file open on no descriptor, is reported stale; so the check
// is made even when the content names the same process, which is what it
// wrote before it handed the descriptor on. A holder listed under another
// device counts only if it is seen to have the file open.
func kernelHolder(f file) (int, kernelState) {
	exact, others, err := flockHolders(procLocksPath, f.id.dev, f.id.ino)
	if err != nil {
		return 0, kernelNoTable
	}
	if len(exact) > 0 {
		pid := exact[0]
		if !processAlive(pid) {
			return 0, kernelStale
		}
		if has, known := processHasFile(pid, f.id); known && !has {
			return 0, kernelStale
		}
		return pid, kernelLive
	}
	for _, pid := range others {
		if has, known := processHasFile(pid, f.id); known && has {
			return pid, kernelLive
		}
	}
	return 0, kernelUnknown
}

// fdBatch is how many directory entries processHasFile reads at a time.
const fdBatch = 4096

// processHasFile reports whether process pid has the file id open, and
// whether that could be told (reading another user's descriptors needs
// privilege). It looks at the descriptors in order and stops at the first
// that is the file: a pidfile is usually among a process's first
// descriptors, and a process may have tens of thousands.
func processHasFile(pid int, id fileID) (has, known bool) {
	dir, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, false
	}
	defer unix.Close(dir)
	var buf [fdBatch]byte
	var names []string
	var st unix.Stat_t
	for {
		n, err := unix.Getdents(dir, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false, false
		}
		if n == 0 {
			return false, true
		}
		// One entry at a time: the search usually ends at the first few.
		for off := 0; off < n; {
			var used int
			used, _, names = unix.ParseDirent(buf[off:n], 1, names[:0])
			off += used
			for _, name := range names {
				// Each entry is a link to the open file; fstatat follows it.
				if unix.Fstatat(dir, name, &st, 0) == nil && uint64(st.Dev) == id.dev && st.Ino == id.ino {
					return true, true
				}
			}
		}
	}
}
