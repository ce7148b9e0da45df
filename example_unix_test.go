//go:build unix

package pidfile_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

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

// A daemon stops when its pidfile is removed or replaced, without a polling
// loop of its own.
func ExampleGuard_Watch() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mydaemon.pid")

	guard, err := pidfile.Claim(path)
	if err != nil {
		log.Fatal(err)
	}
	defer guard.Close()
	os.Remove(path) // an operator's rm: another instance could now start
	for err := range guard.Watch(context.Background(), 10*time.Millisecond) {
		fmt.Println("stopping:", errors.Is(err, pidfile.ErrReplaced))
	}
	// Output: stopping: true
}

// An HTTP server upgrades itself without a moment in which nobody holds its
// pidfile or listens: it starts its new binary with the lock and the
// listener, and lets go once the new one says it serves. The new one's
// Claim adopts the lock and writes its PID; the same program is both.
func ExampleGuard_Handoff() {
	const path = "/run/myserver.pid"
	guard, err := pidfile.Claim(path) // adopts the lock when started by Handoff
	if err != nil {
		log.Fatal(err)
	}
	var ln net.Listener
	if os.Getenv("MYSERVER_LISTENER") == "3" {
		ln, err = net.FileListener(os.NewFile(3, "listener")) // the old one's
	} else {
		ln, err = net.Listen("tcp", ":8080")
	}
	if err != nil {
		log.Fatal(err)
	}
	if os.Getenv("MYSERVER_LISTENER") == "3" {
		ready := os.NewFile(4, "ready")
		ready.Write([]byte{1}) // tells the old one: serving now
		ready.Close()
	}
	srv := &http.Server{}
	go srv.Serve(ln)

	upgrade := make(chan os.Signal, 1)
	signal.Notify(upgrade, syscall.SIGHUP)
	for range upgrade {
		exe, _ := os.Executable()
		next := exec.Command(exe)
		lf, _ := ln.(*net.TCPListener).File()
		readyR, readyW, _ := os.Pipe()
		next.ExtraFiles = []*os.File{lf, readyW} // 3 and 4; Handoff adds the lock's
		next.Env = append(os.Environ(), "MYSERVER_LISTENER=3")
		next.Stdout, next.Stderr = os.Stdout, os.Stderr
		err := guard.Handoff(next)
		lf.Close()
		readyW.Close()
		if err != nil {
			log.Print(err) // keep serving as the holder
			continue
		}
		n, _ := readyR.Read(make([]byte, 1)) // end of file: it exited
		readyR.Close()
		if n != 1 {
			log.Print("the new server did not start; serving on")
			continue
		}
		srv.Shutdown(context.Background()) // finish the requests in flight
		guard.Close()
		return
	}
}

// A supervisor stops the daemon in one call: TERM, up to ten seconds for it
// to let go, then KILL, only ever to the process the TERM reached.
func ExampleStop() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mydaemon.pid")

	st, err := pidfile.Stop(context.Background(), path, syscall.SIGTERM, 10*time.Second)
	switch {
	case err != nil:
		log.Fatal(err) // still held, or another process took it meanwhile
	case st.PID == 0:
		fmt.Println("was not running")
	default:
		fmt.Printf("stopped process %d after %d signals\n", st.PID, st.Signals)
	}
	// Output: was not running
}
