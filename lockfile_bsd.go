//go:build darwin || freebsd || netbsd || openbsd || dragonfly || (linux && pidfile_portable)

package pidfile

// reopenReadOnly opens a second, read-only description of the file that the
// descriptor has open. These systems cannot reopen a descriptor (macOS's
// /dev/fd/N duplicates it, with its write access), so the path is opened
// again and checked to name the same file.
func reopenReadOnly(_ int, path string, id fileID) (int, error) {
	return reopenByPath(path, id)
}
