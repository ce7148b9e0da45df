package pidfile

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
)

// heldLocks is how many other flocks a busy host holds in the scale
// benchmarks.
const heldLocks = 1000

// startManyLocks makes a helper process hold heldLocks flocks, so that the
// kernel's lock table is as long as on a busy host.
func startManyLocks(b *testing.B) {
	dir := b.TempDir()
	h := startHelper(b, "manylocks", dir, strconv.Itoa(heldLocks))
	h.Expect("ready ")
}

// Read's common path must not read the lock table: with a thousand other
// locks held it costs what it costs with none (BenchmarkReadLocked).
func BenchmarkReadLocked1000Locks(b *testing.B) {
	startManyLocks(b)
	benchReadLocked(b, benchLockedPath(b))
}

// The kernel's answer: what Read costs when the content names no live
// process it believes, here under a holder that writes nothing (flock(1)),
// so that the lock table names the holder and the holder's descriptors are
// searched for the pidfile. The search stops at the pidfile, which a holder
// usually opens among its first descriptors; "PidfileLast" is the worst case,
// a holder that opened ten thousand others first.
func BenchmarkKernelAnswer(b *testing.B) {
	for _, tc := range []struct {
		name       string
		fds        string
		otherLocks bool
	}{
		{"Holder10Fds", "10", false},
		{"Holder10000Fds", "10000", false},
		{"Holder10000FdsPidfileLast", "10000 last", false},
		{"Holder10Fds1000OtherLocks", "10", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			if tc.otherLocks {
				startManyLocks(b)
			}
			path := filepath.Join(b.TempDir(), "d.pid")
			writeFile(b, path, "")
			h := startHelper(b, "fds", path, tc.fds)
			var pid int
			if _, err := fmt.Sscanf(h.Line(), "ready %d", &pid); err != nil {
				b.Fatal(err)
			}
			want := LockedBy{PID: pid, Source: FromKernel}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if r, err := Read(path); r != want || err != nil {
					b.Fatal(r, err)
				}
			}
		})
	}
}

// ReadExact under a holder that wrote its PID, as cmd/pidfile's status and
// pid read it: the lock table, then the holder's first descriptors.
func BenchmarkReadExact(b *testing.B) {
	path := benchLockedPath(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if r, err := ReadExact(path); err != nil || r.(LockedBy).Source != FromKernel {
			b.Fatal(r, err)
		}
	}
}
