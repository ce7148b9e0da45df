package pidfile

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// watchPath returns a channel that receives when an entry of path's
// directory is removed, renamed or created, the directory itself is moved
// or removed, or the file's link count changes; and the function that ends
// the watch. Where inotify cannot be had (no instances left), the channel
// never receives and Watch falls back on its interval.
func watchPath(path string) (<-chan struct{}, func()) {
	changed := make(chan struct{}, 1)
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return changed, func() {}
	}
	const dirEvents = unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_CREATE | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF
	_, derr := unix.InotifyAddWatch(fd, filepath.Dir(path), dirEvents|unix.IN_ONLYDIR)
	_, ferr := unix.InotifyAddWatch(fd, path, unix.IN_ATTRIB|unix.IN_DONT_FOLLOW)
	if derr != nil && ferr != nil {
		unix.Close(fd)
		return changed, func() {}
	}
	// Non-blocking, so the runtime's poller waits for it, and Close ends
	// a Read in progress.
	f := os.NewFile(uintptr(fd), "inotify")
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := f.Read(buf); err != nil {
				return
			}
			select {
			case changed <- struct{}{}:
			default: // a check is due already
			}
		}
	}()
	return changed, func() { f.Close() }
}
