//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import (
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// The benchmarks of the library and, in BenchmarkRawFloor, of the same
// system calls made directly: the difference is what the library adds.

func BenchmarkClaimClose(b *testing.B) {
	path := filepath.Join(b.TempDir(), "d.pid")
	b.ReportAllocs()
	for range b.N {
		g, err := Claim(path)
		if err != nil {
			b.Fatal(err)
		}
		g.Close()
	}
}

// benchLockedPath returns a pidfile that a helper process holds.
func benchLockedPath(b *testing.B) string {
	path := filepath.Join(b.TempDir(), "d.pid")
	startHolder(b, path)
	return path
}

func BenchmarkReadLocked(b *testing.B) {
	benchReadLocked(b, benchLockedPath(b))
}

func benchReadLocked(b *testing.B, path string) {
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if r, err := Read(path); err != nil || r.(LockedBy).PID == 0 {
			b.Fatal(r, err)
		}
	}
}

// Many readers, one holder: a node agent polling one daemon from many
// goroutines.
func BenchmarkReadLockedParallel(b *testing.B) {
	path := benchLockedPath(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Read(path); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkReadNotHeld(b *testing.B) {
	path := filepath.Join(b.TempDir(), "d.pid")
	writeFile(b, path, "1\n")
	b.ReportAllocs()
	for range b.N {
		r, err := Read(path)
		if err != nil {
			b.Fatal(err)
		}
		r.(NotHeld).Guard.Close()
	}
}

func BenchmarkReadNotExist(b *testing.B) {
	path := filepath.Join(b.TempDir(), "d.pid")
	b.ReportAllocs()
	for range b.N {
		if _, err := Read(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePID(b *testing.B) {
	content := []byte("4194304\n")
	b.ReportAllocs()
	for range b.N {
		if _, err := ParsePID(content); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawFloor makes the system calls of each operation directly, with
// no checks, errors or types: the floor that the library is measured against.
func BenchmarkRawFloor(b *testing.B) {
	dir := b.TempDir()
	const flags = unix.O_RDWR | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY
	pid := []byte(strconv.Itoa(selfPID) + "\n")
	b.Run("ClaimClose", func(b *testing.B) {
		path := filepath.Join(dir, "claim.pid")
		var st unix.Stat_t
		for range b.N {
			fd, _ := unix.Open(path, flags|unix.O_CREAT, 0o644)
			unix.Fstat(fd, &st)
			unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
			unix.Pwrite(fd, pid, 0)
			unix.Ftruncate(fd, int64(len(pid)))
			unix.Close(fd)
		}
	})
	b.Run("ReadLocked", func(b *testing.B) {
		path := benchLockedPath(b)
		var st unix.Stat_t
		var buf [maxContent]byte
		b.ResetTimer()
		for range b.N {
			fd, _ := unix.Open(path, flags, 0)
			unix.Fstat(fd, &st)
			unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
			unix.Pread(fd, buf[:], 0)
			unix.Kill(1, 0)
			unix.Close(fd)
		}
	})
	b.Run("ReadNotHeld", func(b *testing.B) {
		path := filepath.Join(dir, "free.pid")
		writeFile(b, path, "1\n")
		var st unix.Stat_t
		for range b.N {
			fd, _ := unix.Open(path, flags, 0)
			unix.Fstat(fd, &st)
			unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
			unix.Close(fd)
		}
	})
	b.Run("ReadNotExist", func(b *testing.B) {
		path := filepath.Join(dir, "none.pid")
		for range b.N {
			unix.Open(path, flags, 0)
		}
	})
}
