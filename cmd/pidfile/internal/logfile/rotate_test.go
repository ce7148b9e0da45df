//go:build linux || freebsd

package logfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newTestLog opens a -log FILE in a new directory, as a supervisor with
// -log-size limit and -log-keep keep does.
func newTestLog(t *testing.T, limit int64, keep int) *File {
	t.Helper()
	dir := t.TempDir()
	lf, err := New(filepath.Join(dir, "log"), limit, keep, filepath.Join(dir, "d.pid"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lf.f.Close() })
	return lf
}

// logFiles returns the contents of FILE, FILE.1, ... that exist.
func logFiles(t *testing.T, lf *File) []string {
	t.Helper()
	var out []string
	for _, name := range []string{"", ".1", ".2", ".3", ".4", ".5", ".6"} {
		b, err := os.ReadFile(lf.path + name)
		if err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

// writeWithin writes p to lf, and fails the test if that does not end: a
// rotation that cannot succeed must not be tried for ever.
func writeWithin(t *testing.T, lf *File, p []byte) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		lf.write(p)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("write did not return: the rotation spins")
	}
}

// -log-size bounds every file, whatever the output: lines shorter than the
// limit stay whole, a longer line and output without a newline are split at
// the limit.
func TestLogSizeBoundsAnyOutput(t *testing.T) {
	const limit = 1000
	lf := newTestLog(t, limit, 5)
	line := strings.Repeat("l", 299) + "\n"
	for range 7 {
		writeWithin(t, lf, []byte(line))
	}
	// A partial line, as the copy flushes one after a second of quiet,
	// and its end, longer than the room left.
	writeWithin(t, lf, []byte(strings.Repeat("p", 500)))
	writeWithin(t, lf, []byte(strings.Repeat("p", 700)+"\n"))
	// Output with no newline at all, in pieces of the copy's size.
	for range 3 {
		writeWithin(t, lf, bytes.Repeat([]byte("n"), 1500))
	}
	files := logFiles(t, lf)
	total := 0
	for i, f := range files {
		total += len(f)
		if len(f) > limit {
			t.Errorf("file %d holds %d bytes, past -log-size %d", i, len(f), limit)
		}
	}
	if want := 5*1500 + 7*300; len(files) == 6 && total > want {
		t.Errorf("%d bytes in the files, more than the %d written", total, want)
	}
	// The first lines, whole, in the oldest files kept.
	for _, f := range files {
		for _, l := range strings.SplitAfter(f, "\n") {
			if strings.HasPrefix(l, "l") && l != line && l != strings.TrimSuffix(line, "\n") {
				t.Errorf("a line shorter than the limit was split: %q", l)
			}
		}
	}
}

// A rotation that cannot rename FILE (FILE.1 and FILE.2 are directories
// that are not empty) is said once in FILE, output goes on there, whole,
// and the rotation is tried again later.
func TestLogRotationFailureIsSaidOnceAndRetried(t *testing.T) {
	lf := newTestLog(t, 100, 2)
	for _, d := range []string{lf.path + ".1", lf.path + ".2"} {
		if err := os.MkdirAll(filepath.Join(d, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var want strings.Builder
	for i := range 20 {
		l := strings.Repeat(string(rune('a'+i)), 39) + "\n"
		want.WriteString(l)
		writeWithin(t, lf, []byte(l))
	}
	b, err := os.ReadFile(lf.path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "cannot rotate the log"); n != 1 {
		t.Errorf("the failure was said %d times, want once:\n%s", n, b)
	}
	var got strings.Builder
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.Contains(l, "pidfile run:") {
			got.WriteString(l)
		}
	}
	if got.String() != want.String() {
		t.Errorf("output lost or changed:\n%s\nwant\n%s", got.String(), want.String())
	}
	// The directory is gone, and the time to try again has come.
	if err := os.RemoveAll(lf.path + ".1"); err != nil {
		t.Fatal(err)
	}
	lf.rotateAfter = time.Now()
	writeWithin(t, lf, []byte("after\n"))
	if b, err := os.ReadFile(lf.path); err != nil || string(b) != "after\n" {
		t.Errorf("after the retry FILE holds %q, %v; want the new line alone", b, err)
	}
}
