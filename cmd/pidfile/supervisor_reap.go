//go:build linux || freebsd

package main

// The supervisor reaps every child that exits, CMD and the orphans of its
// tree that the kernel gives it (it is their reaper), in one goroutine
// woken by SIGCHLD, and hands CMD's end to the loop.

import (
	"os"
	"sync"
	"syscall"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/supervise"
)

// reaper reaps the supervisor's children.
type reaper struct {
	// mu is held while a CMD is started, pinned and awaited, so that it
	// cannot be reaped (and its PID pass to another process) before then:
	// every child reaped without an await is an orphan of CMD's tree.
	mu      sync.Mutex
	waiting map[int]chan supervise.Exit // CMDs whose end is awaited
}

// startReaper reaps on every SIGCHLD of chld.
func startReaper(chld <-chan os.Signal) *reaper {
	r := &reaper{waiting: map[int]chan supervise.Exit{}}
	go func() {
		for range chld {
			r.reap()
		}
	}()
	return r
}

// reap reaps every child that has exited, and hands an awaited CMD's end
// to the loop.
func (r *reaper) reap() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
		if c, ok := r.waiting[pid]; ok {
			delete(r.waiting, pid)
			c <- supervise.Exit{Code: statusCode(ws), Text: waitText(ws)}
		}
	}
}

// await returns the channel on which CMD pid's end comes, once; the caller
// holds mu, under which it started CMD.
func (r *reaper) await(pid int) <-chan supervise.Exit {
	c := make(chan supervise.Exit, 1)
	r.waiting[pid] = c
	return c
}

// statusCode is how run reports a CMD that ended with ws: its status, or 128+N
// for signal N.
func statusCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
