package pidfile_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

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

// A restarted daemon waits for its old instance to finish shutting down,
// for a while, instead of failing at once.
func ExampleClaimContext() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mydaemon.pid")

	old, _ := pidfile.Claim(path) // the old instance, still running

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := pidfile.ClaimContext(ctx, path)
	fmt.Println("gave up:", errors.Is(err, pidfile.ErrLocked), errors.Is(err, context.DeadlineExceeded))

	go old.Close() // the old instance finishes
	guard, err := pidfile.ClaimContext(context.Background(), path)
	if err != nil {
		log.Fatal(err)
	}
	defer guard.Close()
	fmt.Println("claimed after the old instance let go")
	// Output:
	// gave up: true true
	// claimed after the old instance let go
}

// A supervisor waits for a daemon it told to stop.
func ExampleWait() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mydaemon.pid")

	daemon, _ := pidfile.Claim(path)
	go daemon.Close() // the daemon shuts down

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := pidfile.Wait(ctx, path); err != nil {
		log.Fatal(err)
	}
	fmt.Println("stopped")
	// Output: stopped
}

// A status check asks Status, which keeps no lock behind and answers
// "running" in one shape: a LockedBy (PID 0 when the holder cannot be
// named).
func ExampleStatus() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mydaemon.pid")

	say := func() {
		r, err := pidfile.Status(path)
		if err != nil {
			log.Fatal(err) // a failure: an unsafe path, a permission
		}
		switch r := r.(type) {
		case pidfile.NotExist:
			fmt.Println("never started")
		case pidfile.NotHeld:
			fmt.Println("not running") // r.Guard is nil: nothing to close
		case pidfile.LockedBy:
			if r.PID == os.Getpid() {
				fmt.Println("running as this process")
			} else if r.Source == pidfile.Unknown {
				fmt.Println("running; the holder cannot be named")
			}
		}
	}
	say()
	guard, _ := pidfile.Claim(path)
	say()
	guard.Close()
	say()
	// Output:
	// never started
	// running as this process
	// not running
}
