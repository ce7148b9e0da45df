//go:build linux && !pidfile_portable

package pidfile

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// reopenReadOnly opens a second, read-only description of the file that fd
// has open. /proc/self/fd/N names that very file, whatever its path names
// now; without /proc mounted, the path is opened again and checked.
func reopenReadOnly(fd int, path string, id fileID) (int, error) {
	var buf [len("/proc/self/fd/") + 10]byte
	name := strconv.AppendInt(append(buf[:0], "/proc/self/fd/"...), int64(fd), 10)
	ro, err := open(string(name), readOnlyFlags, 0)
	if err == unix.ENOENT {
		return reopenByPath(path, id)
	}
	if err != nil {
		return -1, &os.PathError{Op: "reopen read-only", Path: string(name), Err: err}
	}
	return ro, nil
}
