package pidfile

import (
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
	h.expect("ready ")
}

// Read's common path must not read the lock table: with a thousand other
// locks held it costs what it costs with none (BenchmarkReadLocked).
func BenchmarkReadLocked1000Locks(b *testing.B) {
	startManyLocks(b)
	benchReadLocked(b, benchLockedPath(b))
}

// The arbiter: what asking the lock table costs, with none and with a
// thousand other locks held. Read pays it only when the content names no
// live process.
func BenchmarkKernelHolder(b *testing.B) {
	for _, many := range []bool{false, true} {
		name := "0Locks"
		if many {
			name = strconv.Itoa(heldLocks) + "Locks"
		}
		b.Run(name, func(b *testing.B) {
			if many {
				startManyLocks(b)
			}
			path := filepath.Join(b.TempDir(), "d.pid")
			startHolder(b, path)
			f, err := openFile(opRead, path, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer f.close()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, state := kernelHolder(f); state != kernelLive {
					b.Fatal("the kernel did not name the holder")
				}
			}
		})
	}
}
