package main

import (
	"io"
	"testing"
	"time"
)

// flood is a reader of n bytes without a newline, then a newline; it counts
// the reads asked of it.
type flood struct {
	left  int64
	reads int
}

func (f *flood) Read(p []byte) (int, error) {
	f.reads++
	if f.left == 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n >= f.left {
		n = f.left
		p[n-1] = '\n'
	} else {
		for i := range p[:n] {
			p[i] = 'x'
		}
	}
	f.left -= n
	return int(n), nil
}

// readLine reads whatever comes before the newline in chunks and keeps
// none of it: its memory and its reads stay bounded however much a CMD
// writes.
func TestReadLineIsBounded(t *testing.T) {
	const size = 64 << 20
	var f *flood
	allocs := testing.AllocsPerRun(1, func() {
		f = &flood{left: size}
		if err := readLine(f); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("readLine made %v allocations for %d bytes", allocs, size)
	}
	if max := size / readyChunk; f.reads > max+1 {
		t.Errorf("readLine made %d reads for %d bytes; want at most %d", f.reads, size, max+1)
	}
	if err := readLine(&flood{}); err != io.EOF {
		t.Errorf("readLine at the end = %v, want EOF", err)
	}
}

// EXTEND_TIMEOUT_USEC= extends the readiness deadline from now, and never
// moves it earlier.
func TestExtendTo(t *testing.T) {
	now := time.Unix(1000, 0)
	due := now.Add(time.Minute)
	if got := extendTo(due, now, time.Second); !got.Equal(due) {
		t.Errorf("a 1 s extension with 60 s left moved the deadline to %v, want %v", got, due)
	}
	if got, want := extendTo(due, now, 2*time.Minute), now.Add(2*time.Minute); !got.Equal(want) {
		t.Errorf("a 2 min extension gave %v, want %v", got, want)
	}
}
