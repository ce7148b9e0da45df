//go:build linux || freebsd

package main

// run -supervise -log: CMD's output reaches the log through a pipe that the
// supervisor copies, so that the log can change under CMD without CMD
// knowing: when FILE is renamed or removed from outside (logrotate's create
// mode), the next writes go to a fresh FILE; with -log-size the supervisor
// rotates FILE itself. Whole lines are written, so that no line shorter than
// -log-size is split between two files.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// logCheck is how often, at most, the log's path is compared with the file
// open for it.
const logCheck = time.Second

// logFile is the -log file of a supervisor.
type logFile struct {
	path, pidfile string
	f             *os.File
	size          int64 // of f, as far as this process wrote it
	limit         int64 // -log-size; 0 for none
	keep          int   // -log-keep
	checked       time.Time
	midLine       bool      // the last write did not end a line
	failed        string    // why the path could not be opened again, as last said
	rotateAfter   time.Time // after a rotation failed: no other is tried before then
	rotateFailed  string    // why the rotation failed, as last said
}

// rotateRetry is how long after a failed rotation the next is tried: the
// file grows past -log-size meanwhile, rather than lose output or spin.
const rotateRetry = 10 * time.Second

// newLogFile opens the log as run -detach -log does.
func newLogFile(path, pidfile string, limit int64, keep int) (*logFile, error) {
	lf := &logFile{path: path, pidfile: pidfile, limit: limit, keep: keep, checked: time.Now()}
	if err := lf.open(); err != nil {
		return nil, err
	}
	if fi, err := lf.f.Stat(); err != nil || limit > 0 && !fi.Mode().IsRegular() {
		// Rotating renames the path: never /dev/console's.
		lf.f.Close()
		if err == nil {
			err = fmt.Errorf("%s: -log-size rotates only a regular file", path)
		}
		return nil, err
	}
	return lf, nil
}

// open opens the log's path, replacing the file open for it.
func (lf *logFile) open() error {
	f, err := openLog(lf.path, lf.pidfile)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if lf.f != nil {
		lf.f.Close()
	}
	lf.f, lf.size = f, fi.Size()
	return nil
}

// follow opens the path again if it no longer names the file open for it
// (renamed or removed); a path that cannot be opened (a file that others may
// write, put there by a rotation tool) is tried again at the next check, the
// old file written meanwhile, and why is said there, once.
func (lf *logFile) follow() {
	fi, err := os.Lstat(lf.path)
	cur, err2 := lf.f.Stat()
	if err == nil && err2 == nil && os.SameFile(fi, cur) {
		return
	}
	if err := lf.open(); err != nil && err.Error() != lf.failed {
		lf.failed = err.Error()
		line := time.Now().Format(timeFormat) + " pidfile run: cannot open the log again, writing on here: " + err.Error()
		lf.writeLine(printable(line) + "\n")
	} else if err == nil {
		lf.failed = ""
	}
}

// writeLine writes a line of the supervisor's own, after any partial line
// of CMD's.
func (lf *logFile) writeLine(s string) {
	if lf.midLine {
		s = "\n" + s
	}
	n, _ := lf.f.WriteString(s)
	lf.size += int64(n)
	lf.midLine = false
}

// rotate renames FILE.i to FILE.i+1 (FILE.keep is replaced), FILE to
// FILE.1, and opens a fresh FILE; it reports whether it did. A FILE.i that
// cannot be moved is overwritten by the one below it. If FILE cannot be
// renamed, or a fresh one opened, output goes on to the file open now, and
// why is said there, once for each reason; no rotation is tried again for
// rotateRetry.
func (lf *logFile) rotate() bool {
	for i := lf.keep - 1; i >= 1; i-- {
		os.Rename(lf.path+"."+strconv.Itoa(i), lf.path+"."+strconv.Itoa(i+1))
	}
	err := os.Rename(lf.path, lf.path+".1")
	if err == nil {
		err = lf.open()
	}
	if err != nil {
		lf.rotateAfter = time.Now().Add(rotateRetry)
		if err.Error() != lf.rotateFailed {
			lf.rotateFailed = err.Error()
			line := time.Now().Format(timeFormat) + " pidfile run: cannot rotate the log, writing on past -log-size: " + err.Error()
			lf.writeLine(printable(line) + "\n")
		}
		return false
	}
	lf.rotateFailed = ""
	return true
}

// write writes p, rotating before a line that would take the file past its
// limit, so that no line shorter than the limit is split between two files.
// Nothing makes a file pass the limit, unless a rotation failed: a line
// longer than the limit, or one that a partial write began and that no
// longer fits, is split at the limit, as s6-log and svlogd split one.
func (lf *logFile) write(p []byte) {
	if now := time.Now(); now.Sub(lf.checked) >= logCheck {
		lf.checked = now
		lf.follow()
	}
	for len(p) > 0 {
		n := len(p)
		if lf.limit > 0 && lf.size+int64(n) > lf.limit && !time.Now().Before(lf.rotateAfter) {
			room := lf.limit - lf.size
			switch i := bytes.LastIndexByte(p[:max(min(room, int64(n)), 0)], '\n'); {
			case i >= 0:
				n = i + 1 // the whole lines that fit
			case room > 0 && (lf.midLine || lf.size == 0):
				n = int(room) // too long for any file, or begun here
			case lf.rotate():
				continue
			}
		}
		w, err := lf.f.Write(p[:n])
		lf.size += int64(w)
		if err != nil {
			return // a full disk: what does not fit is dropped, CMD is not held up
		}
		lf.midLine = p[n-1] != '\n'
		p = p[n:]
	}
}

// logCopy copies CMD's output from a pipe to the log.
type logCopy struct {
	done chan struct{}
	r    *os.File
}

// copyMax is the most of a line that waits for its end; idleFlush is how
// long a partial line waits for more.
const (
	copyMax   = 64 << 10
	idleFlush = time.Second
)

// startLogCopy copies r to lf until r ends.
func startLogCopy(r *os.File, lf *logFile) *logCopy {
	c := &logCopy{done: make(chan struct{}), r: r}
	go func() {
		defer close(c.done)
		defer lf.f.Close()
		var pending []byte
		buf := make([]byte, 32<<10)
		for {
			if len(pending) > 0 {
				r.SetReadDeadline(time.Now().Add(idleFlush))
			} else {
				r.SetReadDeadline(time.Time{})
			}
			n, err := r.Read(buf)
			pending = append(pending, buf[:n]...)
			if i := bytes.LastIndexByte(pending, '\n'); i >= 0 {
				lf.write(pending[:i+1])
				pending = append(pending[:0], pending[i+1:]...)
			}
			if len(pending) >= copyMax || err != nil && len(pending) > 0 {
				lf.write(pending)
				pending = pending[:0]
			}
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				return
			}
		}
	}()
	return c
}

// finishWait bounds how long a supervisor that is done waits for the copy
// of what is left in the pipe: a process that left CMD's group may keep the
// pipe open.
const finishWait = 2 * time.Second

// finish closes w, the supervisor's write end of the pipe, and waits for
// the copy to reach the end of what was written.
func (c *logCopy) finish(w *os.File) {
	w.Close()
	select {
	case <-c.done:
	case <-time.After(finishWait):
		c.r.Close()
		<-c.done
	}
}
