package pidfile_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/go-pidfile/pidfile"
)

// A daemon claims its pidfile first thing at startup and keeps the Guard for
// its whole life. If another instance runs, it says which and stops.
func ExampleClaim() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mydaemon.pid")

	guard, err := pidfile.Claim(path)
	var locked *pidfile.LockedError
	if errors.As(err, &locked) {
		log.Fatalf("mydaemon is already running as process %d", locked.PID)
	}
	if err != nil {
		log.Fatal(err)
	}
	// Close on the way out is optional: exiting releases the lock too.
	// Never remove the file.
	defer guard.Close()

	fmt.Println("this process is the only mydaemon")

	// A second claim, as a second instance would make, fails.
	_, err = pidfile.Claim(path)
	fmt.Println("second instance refused:", errors.Is(err, pidfile.ErrLocked))
	// Output:
	// this process is the only mydaemon
	// second instance refused: true
}

// A supervisor reads the pidfile before it acts. When nobody held it, Read
// took the lock to find out, and the supervisor must release it.
func ExampleRead() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mydaemon.pid")

	status := func() {
		r, err := pidfile.Read(path)
		if err != nil {
			log.Fatal(err)
		}
		switch r := r.(type) {
		case pidfile.NotExist:
			fmt.Println("never started")
		case pidfile.NotHeld:
			r.Guard.Close() // we hold the lock now: let go of it
			fmt.Println("not running")
		case pidfile.LockedBy:
			fmt.Println("running, self:", r.PID == os.Getpid())
		}
	}

	status()
	g, _ := pidfile.Claim(path)
	status()
	g.Close()
	status()
	// Output:
	// never started
	// running, self: true
	// not running
}
