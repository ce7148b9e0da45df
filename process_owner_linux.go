//go:build linux && !pidfile_portable

package pidfile

import (
	"bytes"
	"strconv"

	"golang.org/x/sys/unix"
)

// processRunsAs reports whether process pid runs as user uid alone: its
// real, effective, saved and filesystem user IDs are all uid. known is false
// when that could not be told (no /proc, a /proc of another PID namespace, or
// the process is gone).
func processRunsAs(pid int, uid uint32) (runs, known bool) {
	if !procIsOurs() {
		return false, false
	}
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/status", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, false
	}
	defer unix.Close(fd)
	// The Uid line comes early; the Name line before it has newlines
	// escaped, so a process cannot forge one with its name.
	var buf [1024]byte
	n, err := unix.Pread(fd, buf[:], 0)
	if err != nil {
		return false, false
	}
	return statusRunsAs(buf[:n], uid)
}

// statusRunsAs reads the Uid line of a /proc/PID/status text.
func statusRunsAs(status []byte, uid uint32) (runs, known bool) {
	_, rest, found := bytes.Cut(status, []byte("\nUid:"))
	if !found {
		return false, false
	}
	line, _, found := bytes.Cut(rest, []byte("\n"))
	if !found {
		return false, false
	}
	ids := bytes.Fields(line)
	if len(ids) != 4 {
		return false, false
	}
	want := strconv.FormatUint(uint64(uid), 10)
	for _, id := range ids {
		if string(id) != want {
			return false, true
		}
	}
	return true, true
}
