package main

// What a failed detached start shows of CMD's output: the operator's first
// question is "what did it say?", and with -log the answer is in a file
// this process chose. Only what was appended during this start is shown,
// and only from the very file that was opened for it.

import (
	"bytes"
	"io"
	"os"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/logfile"
	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/printable"
)

const (
	tailLines = 5       // at most this many of CMD's last lines are shown
	tailBytes = 8 << 10 // from at most this much of the log's end
)

// openOutput opens CMD's standard output and error for the child of run
// -detach: /dev/null, or -log (and -log-stderr) unless a supervisor opens
// them itself; and notes where the log that errors go to stands, for a
// failed start to show. It says why not, or "".
func (d *detached) openOutput() (out, errOut *os.File, why string) {
	l := d.l
	out, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if l.logPath != "" && l.sup == nil {
		out, err = logfile.Open(l.logPath, l.path, l.path+childSuffix)
	}
	if err != nil {
		return nil, nil, "-log: " + err.Error()
	}
	d.closers = append(d.closers, func() { out.Close() })
	errOut = out
	if l.errLogPath != "" && l.sup == nil {
		if errOut, err = logfile.Open(l.errLogPath, l.path, l.path+childSuffix, l.logPath); err != nil {
			return nil, nil, "-log-stderr: " + err.Error()
		}
		d.closers = append(d.closers, func() { errOut.Close() })
	}
	// The log that errors go to is the one a failed start shows.
	shown, f, notThese := l.logPath, out, []string{l.path, l.path + childSuffix}
	if l.errLogPath != "" {
		shown, f, notThese = l.errLogPath, errOut, append(notThese, l.logPath)
	}
	switch {
	case l.logPath == "":
	case l.sup == nil:
		d.log = markLog(shown, f)
	default:
		d.log = markLogPath(shown, notThese...)
	}
	return out, errOut, ""
}

// logMark is where the log stood when the start began: the file, as it
// was then (its size too).
type logMark struct {
	path string
	file os.FileInfo
}

// markLog notes where f, just opened as the log, stands; nil if it is not a
// regular file (a terminal, /dev/null).
func markLog(path string, f *os.File) *logMark {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	return &logMark{path: path, file: fi}
}

// markLogPath opens path as the supervisor will (logfile.Open's rule,
// creating it if missing) to note where it stands.
func markLogPath(path string, notThese ...string) *logMark {
	f, err := logfile.Open(path, notThese...)
	if err != nil {
		return nil // the supervisor will say why
	}
	defer f.Close()
	return markLog(path, f)
}

// tail returns the last lines appended to the log since m, or nothing if
// the file at m.path is no longer the one marked (rotated, replaced).
func (m *logMark) tail() []string {
	if m == nil {
		return nil
	}
	f, err := openLogToRead(m.path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !os.SameFile(fi, m.file) || fi.Size() <= m.file.Size() {
		return nil
	}
	from := max(m.file.Size(), fi.Size()-tailBytes)
	b := make([]byte, fi.Size()-from)
	n, _ := f.ReadAt(b, from)
	return lastLines(b[:n], tailLines, from > m.file.Size())
}

// lastLines returns the last n lines of b, made printable; cut says that b
// starts in the middle of a line, which is not shown.
func lastLines(b []byte, n int, cut bool) []string {
	lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	if cut && len(lines) > 0 {
		lines = lines[1:]
	}
	if len(lines) == 1 && len(lines[0]) == 0 {
		return nil
	}
	lines = lines[max(0, len(lines)-n):]
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = printable.String(string(l))
	}
	return out
}

// showTail writes the lines that m.tail finds, under a heading.
func showTail(w io.Writer, m *logMark) {
	lines := m.tail()
	if len(lines) == 0 {
		return
	}
	sayf(w, "pidfile run: the last lines in %s:", m.path)
	for _, l := range lines {
		io.WriteString(w, "  "+l+"\n")
	}
}
