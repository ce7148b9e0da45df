//go:build linux || freebsd

package logfile

// The supervisor's log: a File that follows rotation and rotates itself,
// and a Copier that copies CMD's output to it from a pipe.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/printable"
)

// TimeFormat is the time at the start of the supervisor's lines, its own
// and those it writes in the log.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// logCheck is how often, at most, the log's path is compared with the file
// open for it.
const logCheck = time.Second

// File is the -log file of a supervisor.
type File struct {
	path         string
	notThese     []string // what Open refuses besides
	f            *os.File
	size         int64 // of f, as far as this process wrote it
	limit        int64 // -log-size; 0 for none
	keep         int   // -log-keep
	checked      time.Time
	midLine      bool      // the last write did not end a line
	failed       string    // why the path could not be opened again, as last said
	rotateAfter  time.Time // after a rotation failed: no other is tried before then
	rotateFailed string    // why the rotation failed, as last said
}

// rotateRetry is how long after a failed rotation the next is tried: the
// file grows past -log-size meanwhile, rather than lose output or spin.
const rotateRetry = 10 * time.Second

// New opens the log at path as Open does, refusing notThese; limit is
// -log-size (0: never rotate), keep -log-keep. A limit needs a regular file:
// rotating renames the path, never /dev/console's.
func New(path string, limit int64, keep int, notThese ...string) (*File, error) {
	lf := &File{path: path, notThese: notThese, limit: limit, keep: keep, checked: time.Now()}
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

// Close closes the file, which a Copier does when its pipe ends.
func (lf *File) Close() error { return lf.f.Close() }

// open opens the log's path, replacing the file open for it.
func (lf *File) open() error {
	f, err := Open(lf.path, lf.notThese...)
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
func (lf *File) follow() {
	fi, err := os.Lstat(lf.path)
	cur, err2 := lf.f.Stat()
	if err == nil && err2 == nil && os.SameFile(fi, cur) {
		return
	}
	if err := lf.open(); err != nil && err.Error() != lf.failed {
		lf.failed = err.Error()
		line := time.Now().Format(TimeFormat) + " pidfile run: cannot open the log again, writing on here: " + err.Error()
		lf.writeLine(printable.String(line) + "\n")
	} else if err == nil {
		lf.failed = ""
	}
}

// writeLine writes a line of the supervisor's own, after any partial line
// of CMD's.
func (lf *File) writeLine(s string) {
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
func (lf *File) rotate() bool {
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
			line := time.Now().Format(TimeFormat) + " pidfile run: cannot rotate the log, writing on past -log-size: " + err.Error()
			lf.writeLine(printable.String(line) + "\n")
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
func (lf *File) write(p []byte) {
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

// Copier copies CMD's output from a pipe to the log.
type Copier struct {
	done chan struct{}
	r    *os.File
}

// copyMax is the most of a line that waits for its end; idleFlush is how
// long a partial line waits for more.
const (
	copyMax   = 64 << 10
	idleFlush = time.Second
)

// Copy copies r, the read end of CMD's output pipe, to lf until r ends,
// whole lines at a time; a partial line is written after idleFlush without
// its end, or once it reaches copyMax. The Copier closes lf at the end.
func Copy(r *os.File, lf *File) *Copier {
	c := &Copier{done: make(chan struct{}), r: r}
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

// Finish closes w, the supervisor's write end of the pipe, and waits for
// the copy to reach the end of what was written.
func (c *Copier) Finish(w *os.File) {
	w.Close()
	select {
	case <-c.done:
	case <-time.After(finishWait):
		c.r.Close()
		<-c.done
	}
}
