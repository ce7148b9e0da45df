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
//
// This file reports facts only: which processes the table lists for a file,
// whether a process has a file open, when it started, whether /proc is this
// process's. Whom to believe is judged in trust.go.

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

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

func (r rawReader) Read(p []byte) (n int, err error) {
	err = ignoringEINTR(func() error {
		n, err = unix.Read(int(r), p)
		return err
	})
	switch {
	case err != nil:
		return 0, err
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
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

// tableTime bounds how long one read of the table may take. The kernel
// walks the table from its start for each chunk it hands out, so a user who
// holds a hundred thousand locks can make a full read last seconds; past this
// the table is given up on, and the answer is that no holder could be told.
const tableTime = 500 * time.Millisecond

// errTableTooLong is flockHolders' error when reading the table took longer
// than tableTime.
var errTableTooLong = errors.New("the kernel's lock table is too long to read in time")

// flockHolders returns the PIDs that the lock table at path gives for
// exclusive flocks held on inode ino: exact lists the one on device dev (the
// reading stops there: an exclusive lock has one holder), others lists those
// on other devices. Some filesystems (btrfs subvolumes, overlayfs) report one
// device to stat(2) and another in the table, so an inode-only match is a
// candidate that the caller must confirm. Shared flocks are never listed:
// they are readers testing the lock (Read, Signal, Wait), never a holder.
// err is set if there is no table, or it took too long to read.
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
	start := time.Now()
	sc := bufio.NewScanner(rawReader(fd))
	sc.Buffer(make([]byte, 0, tableChunk), bufio.MaxScanTokenSize)
	for n := 1; n <= maxLockLines && sc.Scan(); n++ {
		// The kernel's slowness shows in the reads; a read returns a few
		// hundred lines.
		if n%256 == 0 && time.Since(start) > tableTime {
			return nil, nil, errTableTooLong
		}
		if line := sc.Bytes(); !bytes.Contains(line, inner) && !bytes.HasSuffix(line, field) {
			continue
		}
		e, good := parseLockLine(sc.Text())
		if !good || e.kind != "FLOCK" || e.waiting || !e.write || e.pid <= 0 || e.ino != ino {
			continue
		}
		if e.major == major && e.minor == minor {
			return []int{e.pid}, nil, nil
		}
		if len(others) < maxCandidates {
			others = append(others, e.pid)
		}
	}
	if err := sc.Err(); err != nil {
		// What was not read may hold the holder's line.
		return nil, nil, &os.PathError{Op: "read", Path: path, Err: err}
	}
	return nil, others, nil
}

// tableHolders says what the lock table says of f's exclusive flock: the
// PID listed on f's device (0 if none) and those listed on other devices. Its
// error is errForeignProc where /proc belongs to another PID namespace than
// this process's, and another where there is no table to read.
func tableHolders(f *file) (pid int, others []int, err error) {
	if !procIsOurs() {
		return 0, nil, errForeignProc
	}
	exact, others, err := flockHolders(procLocksPath, f.id.dev, f.id.ino)
	if len(exact) > 0 {
		pid = exact[0]
	}
	return pid, others, err
}
