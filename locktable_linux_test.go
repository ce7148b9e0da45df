//go:build linux && !pidfile_portable

package pidfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// lockTable: this build asks the kernel's lock table, and signals and waits
// through pidfds.
const lockTable = true

// requireLinuxKernel lets a test that needs the lock table or pidfds run.
func requireLinuxKernel(*testing.T) {}

// withoutKernelTable hides /proc/locks for one test, as on a system without
// one, so that the content rules alone decide.
func withoutKernelTable(t *testing.T) {
	old := procLocksPath
	procLocksPath = filepath.Join(t.TempDir(), "no-locks")
	t.Cleanup(func() { procLocksPath = old })
}

// claimBudget is what Claim costs: the read-only description is opened
// through /proc/self/fd, which names the very file.
var claimBudget = budget{"Claim", 7, 3, "open for writing, fstat, open read-only (/proc/self/fd/N), flock, pwrite, ftruncate, " +
	"close the writable descriptor"}

// lockTableSample is /proc/locks as recorded on Linux hosts, with one line of
// each kind the kernel prints and a few it might print one day.
const lockTableSample = `1: POSIX  ADVISORY  WRITE 811 00:19:4185 0 EOF
2: OFDLCK ADVISORY  READ  -1 00:06:1028 0 EOF
3: FLOCK  ADVISORY  WRITE 1200 fd:01:1310731 0 EOF
3: -> FLOCK  ADVISORY  WRITE 1300 fd:01:1310731 0 EOF
4: DELEG  ACTIVE    READ  907 08:02:77 0 EOF
5: LEASE  ACTIVE    READ  908 08:02:78 0 EOF
6: LEASE  BREAKING  UNLCK 909 08:02:79 0 EOF
7: FLOCK  ADVISORY  READ  1400 103:0a:42 0 EOF
7: FLOCK  ADVISORY  READ  1401 103:0a:42 0 EOF
8: FLOCK  ADVISORY  WRITE 1500 00:2a:99 0 EOF
8: -> FLOCK  ADVISORY  WRITE 1501 00:2a:99 0 EOF
9: POSIX  ADVISORY  WRITE 1600 00:2a:100 0 EOF
10: FLOCK ADVISORY WRITE 1700 00:2b:7
11: SOMETHING NEW WRITE 1800 00:2c:8 0 EOF
garbage line
12: FLOCK  ADVISORY  WRITE notapid 00:2d:9 0 EOF
13: FLOCK  ADVISORY  WRITE 1900 00:2e 0 EOF
14: FLOCK  ADVISORY  WRITE 2000 zz:2f:10 0 EOF
15: FLOCK  ADVISORY  WRITE 0 00:30:11 0 EOF
16: FLOCK  ADVISORY  WRITE 2100 00:31:12 0 EOF
16: FLOCK  ADVISORY  WRITE 2101 00:31:12 0 EOF
`

func TestParseLockLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		want lockEntry
		ok   bool
	}{
		{"3: FLOCK  ADVISORY  WRITE 1200 fd:01:1310731 0 EOF",
			lockEntry{kind: "FLOCK", write: true, pid: 1200, major: 0xfd, minor: 1, ino: 1310731}, true},
		{"3: -> FLOCK  ADVISORY  WRITE 1300 fd:01:1310731 0 EOF",
			lockEntry{kind: "FLOCK", waiting: true, write: true, pid: 1300, major: 0xfd, minor: 1, ino: 1310731}, true},
		{"2: OFDLCK ADVISORY  READ  -1 00:06:1028 0 EOF",
			lockEntry{kind: "OFDLCK", pid: -1, minor: 6, ino: 1028}, true},
		{"7: FLOCK  ADVISORY  READ  1400 103:0a:42 0 EOF",
			lockEntry{kind: "FLOCK", pid: 1400, major: 0x103, minor: 0xa, ino: 42}, true},
		{"6: LEASE  BREAKING  UNLCK 909 08:02:79 0 EOF", lockEntry{}, false},
		{"garbage line", lockEntry{}, false},
		{"", lockEntry{}, false},
		{"12: FLOCK  ADVISORY  WRITE notapid 00:2d:9 0 EOF", lockEntry{}, false},
		{"13: FLOCK  ADVISORY  WRITE 1900 00:2e 0 EOF", lockEntry{}, false},
		{"14: FLOCK  ADVISORY  WRITE 2000 zz:2f:10 0 EOF", lockEntry{}, false},
		{"1: ->", lockEntry{}, false},
		{": -> -> 0 WRITE 0 0:0:0", lockEntry{}, false},
	} {
		got, ok := parseLockLine(tc.line)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseLockLine(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFlockHolders(t *testing.T) {
	table := filepath.Join(t.TempDir(), "locks")
	writeFile(t, table, lockTableSample)
	for _, tc := range []struct {
		name          string
		dev, ino      uint64
		exact, others []int
	}{
		{"holder, not the waiter", mkdev(0xfd, 1), 1310731, []int{1200}, nil},
		{"shared locks are readers, never holders", mkdev(0x103, 0xa), 42, nil, nil},
		{"holder listed before its waiter", mkdev(0, 0x2a), 99, []int{1500}, nil},
		{"POSIX lock is not a flock", mkdev(0, 0x2a), 100, nil, nil},
		{"OFD lock is not a flock", mkdev(0, 6), 1028, nil, nil},
		{"same inode, other device", mkdev(0xfd, 2), 1310731, nil, []int{1200}},
		{"short line still parsed", mkdev(0, 0x2b), 7, []int{1700}, nil},
		{"nothing there", mkdev(1, 1), 1, nil, nil},
		// A holder the reader's PID namespace cannot see is listed as 0.
		{"PID 0 is nobody", mkdev(0, 0x30), 11, nil, nil},
		{"the first exclusive holder ends the search", mkdev(0, 0x31), 12, []int{2100}, nil},
	} {
		exact, others, err := flockHolders(table, tc.dev, tc.ino)
		if err != nil || fmt.Sprint(exact) != fmt.Sprint(tc.exact) || fmt.Sprint(others) != fmt.Sprint(tc.others) {
			t.Errorf("%s: flockHolders = %v, %v, %v; want %v, %v", tc.name, exact, others, err, tc.exact, tc.others)
		}
	}
	if _, _, err := flockHolders(filepath.Join(t.TempDir(), "none"), 1, 1); !os.IsNotExist(err) {
		t.Errorf("missing table: err = %v, want not-exist", err)
	}
}

// A table that takes too long to read is given up on, not read for ever:
// here a FIFO whose writer goes on for 30 s (a test that fails, not one that
// hangs, if nothing gives up).
func TestFlockHoldersGivesUpOnASlowTable(t *testing.T) {
	table := filepath.Join(t.TempDir(), "locks")
	must(t, unix.Mkfifo(table, 0o600))
	stop := make(chan struct{})
	wrote := make(chan error, 1)
	go func() {
		w, err := os.OpenFile(table, os.O_WRONLY, 0)
		if err != nil {
			wrote <- err
			return
		}
		defer w.Close()
		line := []byte("1: POSIX  ADVISORY  WRITE 811 00:19:4185 0 EOF\n")
		for end := time.Now().Add(30 * time.Second); time.Now().Before(end); {
			select {
			case <-stop:
				wrote <- nil
				return
			default:
			}
			if _, err := w.Write(line); err != nil {
				wrote <- nil // the reader gave up
				return
			}
			time.Sleep(100 * time.Microsecond)
		}
		wrote <- nil
	}()
	_, _, err := flockHolders(table, mkdev(0xfd, 1), 1310731)
	close(stop)
	if !errors.Is(err, errTableTooLong) {
		t.Errorf("flockHolders on a table without end = %v, want errTableTooLong", err)
	}
	must(t, <-wrote)
}

// A table that lists the holder under another device than stat(2) gives
// (btrfs subvolumes, overlayfs) still names it, once the holder is seen to
// have the file open; and names nobody who has not.
func TestKernelHolderOtherDevice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path) // this process holds it, and knows it
	must(t, err)
	defer g.Close()
	f, err := openFile(path, 0)
	must(t, err)
	defer f.close()
	dev, ino := f.id.dev, f.id.ino
	table := filepath.Join(t.TempDir(), "locks")
	old := procLocksPath
	procLocksPath = table
	defer func() { procLocksPath = old }()
	for _, tc := range []struct {
		pid  int
		want kernelState
	}{{os.Getpid(), kernelLive}, {1, kernelUnknown}} {
		line := fmt.Sprintf("1: FLOCK  ADVISORY  WRITE %d %02x:%02x:%d 0 EOF\n", tc.pid,
			unix.Major(dev)+1, unix.Minor(dev), ino)
		writeFile(t, table, line)
		if pid, state := kernelHolder(&f); state != tc.want || (state == kernelLive && pid != tc.pid) {
			t.Errorf("listed as %d on another device: kernelHolder = %d, %v; want %v", tc.pid, pid, state, tc.want)
		}
	}
}

// mkdev builds a user-space device number as stat(2) returns it.
func mkdev(major, minor uint32) uint64 {
	return uint64(major&0xfff)<<8 | uint64(major&^0xfff)<<32 | uint64(minor&0xff) | uint64(minor&^0xff)<<12
}

func FuzzParseLockLine(f *testing.F) {
	for _, l := range strings.Split(lockTableSample, "\n") {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e, ok := parseLockLine(line)
		if !ok {
			return
		}
		// Whatever it accepts has the fields it claims, in the line.
		if e.kind == "" || e.kind == "->" || !strings.Contains(line, e.kind) {
			t.Fatalf("parseLockLine(%q) = %+v: kind not from the line", line, e)
		}
		if f := strings.Fields(line); e.waiting != (f[1] == "->") {
			t.Fatalf("parseLockLine(%q) = %+v: waiting wrong", line, e)
		}
	})
}
