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

// A long-running daemon checks now and then that its pidfile is still the
// one it locked: if someone removed or replaced it, a second instance could
// start beside it.
func ExampleGuard_Verify() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mydaemon.pid")

	guard, _ := pidfile.Claim(path)
	defer guard.Close()
	fmt.Println("verified:", guard.Verify() == nil)

	os.Remove(path) // an operator's rm, or an old tool's cleanup
	err := guard.Verify()
	fmt.Println("replaced:", errors.Is(err, pidfile.ErrReplaced))
	// Output:
	// verified: true
	// replaced: true
}
