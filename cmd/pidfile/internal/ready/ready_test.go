package ready

import (
	"io"
	"syscall"
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
		if err := ReadLine(f); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("readLine made %v allocations for %d bytes", allocs, size)
	}
	if max := size / chunk; f.reads > max+1 {
		t.Errorf("readLine made %d reads for %d bytes; want at most %d", f.reads, size, max+1)
	}
	if err := ReadLine(&flood{}); err != io.EOF {
		t.Errorf("readLine at the end = %v, want EOF", err)
	}
}

// sd_notify datagrams: newline-separated KEY=VALUE, unknown keys and
// malformed lines ignored.
func TestParse(t *testing.T) {
	for in, want := range map[string]Message{
		"READY=1":                     {Ready: true},
		"READY=0":                     {},
		"STATUS=loading\nREADY=1\n":   {Ready: true, Status: "loading"},
		"ERRNO=13":                    {Errno: 13},
		"ERRNO=-1\nERRNO=x":           {},
		"EXTEND_TIMEOUT_USEC=2500000": {Extend: 2500 * time.Millisecond},
		"EXTEND_TIMEOUT_USEC=99999999999999999999999": {},
		"garbage\n=\nFDSTORE=1":                       {},
	} {
		if got := Parse([]byte(in)); got != want {
			t.Errorf("Parse(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// A Wait: READY=1 is ready, ERRNO= a failure that says the last STATUS=,
// and EXTEND_TIMEOUT_USEC= extends the deadline from now, never moving it
// earlier (systemd only ever extends).
func TestWait(t *testing.T) {
	now := time.Unix(1000, 0)
	w := NewWait(now, time.Minute)
	if o, why := w.Hear(Message{Status: "loading"}, now); o != Waiting || why != "" || !w.Due.Equal(now.Add(time.Minute)) {
		t.Errorf("STATUS= alone: %v %q, due %v", o, why, w.Due)
	}
	if w.Hear(Message{Extend: time.Second}, now); !w.Due.Equal(now.Add(time.Minute)) {
		t.Errorf("a 1 s extension with 60 s left moved the deadline to %v", w.Due)
	}
	if w.Hear(Message{Extend: 2 * time.Minute}, now.Add(time.Second)); !w.Due.Equal(now.Add(121 * time.Second)) {
		t.Errorf("a 2 min extension gave %v", w.Due)
	}
	want := "said it failed: ERRNO=13, " + syscall.Errno(13).Error() + " (last STATUS=loading)"
	if o, why := w.Hear(Message{Errno: 13, Ready: true}, now); o != Failed || why != want {
		t.Errorf("ERRNO=13: %v %q", o, why)
	}
	if o, _ := NewWait(now, time.Minute).Hear(Message{Ready: true}, now); o != Ready {
		t.Errorf("READY=1: %v", o)
	}
	if got := NewWait(now, time.Minute).Why("exited"); got != "exited" {
		t.Errorf("Why without a STATUS=: %q", got)
	}
}
