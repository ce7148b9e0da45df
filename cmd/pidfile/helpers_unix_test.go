//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

// The test binary re-executes itself to play processes that no tool here
// plays. TestMain runs the role named by roleEnv and exits.

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// runRole plays role and returns the exit status. Lines for the test go to
// stderr; stdin closing ends the role.
func runRole(role, path, arg string) int {
	switch role {
	case "handoff":
		// Lock path (and with arg "true" write this PID into it), hand the
		// descriptor to a child cat, close it here, say "ready PID CHILD",
		// and live on holding nothing.
		fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CLOEXEC, 0)
		if err == nil {
			err = syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		}
		if err == nil && arg == "true" {
			_, err = syscall.Pwrite(fd, []byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "error", err)
			return 1
		}
		child := exec.Command("cat")
		child.ExtraFiles = []*os.File{os.NewFile(uintptr(fd), path)}
		childIn, err := child.StdinPipe()
		if err == nil {
			err = child.Start()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "error", err)
			return 1
		}
		syscall.Close(fd)
		fmt.Fprintf(os.Stderr, "ready %d %d\n", os.Getpid(), child.Process.Pid)
		io.Copy(io.Discard, os.Stdin)
		childIn.Close()
		child.Wait()
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown role %q\n", role)
	return 2
}
