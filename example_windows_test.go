package pidfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-pidfile/pidfile"
)

// On Windows a held pidfile cannot be removed or renamed, so the race that
// Verify watches for on Unix cannot start: Verify stays nil.
func ExampleGuard_Verify() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mydaemon.pid")

	guard, _ := pidfile.Claim(path)
	defer guard.Close()
	fmt.Println("removed:", os.Remove(path) == nil)
	fmt.Println("renamed:", os.Rename(path, path+".old") == nil)
	fmt.Println("verified:", guard.Verify() == nil)
	// Output:
	// removed: false
	// renamed: false
	// verified: true
}
