//go:build unix

package pidfile_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/go-pidfile/pidfile"
)

// A supervisor signals whoever holds the pidfile, and nobody else. Here the
// holder is this process, and signal 0 only checks that it is there.
func ExampleSignal() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mydaemon.pid")

	guard, _ := pidfile.Claim(path)
	pid, err := pidfile.Signal(path, syscall.Signal(0)) // syscall.SIGTERM to stop it
	fmt.Println("signalled the holder:", err == nil && pid == os.Getpid())

	guard.Close()
	_, err = pidfile.Signal(path, syscall.SIGTERM)
	fmt.Println("nobody to signal:", errors.Is(err, pidfile.ErrNotRunning))
	// Output:
	// signalled the holder: true
	// nobody to signal: true
}
