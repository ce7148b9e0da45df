package procstat

import (
	"strings"
	"testing"
)

// Fields count from the last ')', whatever the command name holds.
func TestParse(t *testing.T) {
	tail := " S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 12345 1000 100"
	for _, name := range []string{"(sleep)", "(a b)", "(x) (y)", "(:-))", "()"} {
		s, ok := Parse([]byte("7 " + name + tail + "\n"))
		if want := (Stat{State: 'S', PPID: 1, PGRP: 42, StartTime: 12345}); !ok || s != want {
			t.Errorf("Parse with name %s = %+v, %t; want %+v", name, s, ok, want)
		}
	}
	for _, bad := range []string{"", "7 sleep S 1", "7 (sleep) S 1 42", "7 (sleep)" + strings.Replace(tail, " 12345", " x", 1), "7 (sleep) SS" + tail[2:]} {
		if s, ok := Parse([]byte(bad)); ok {
			t.Errorf("Parse(%q) = %+v, want nothing", bad, s)
		}
	}
	// A negative start time, a name without its end.
	for _, bad := range []string{"123 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 -5 20", "123 (x"} {
		if s, ok := Parse([]byte(bad)); ok {
			t.Errorf("Parse(%q) = %+v, want nothing", bad, s)
		}
	}
	if s, _ := Parse([]byte("7 (z) Z 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0")); s.Running() {
		t.Error("a zombie is running")
	}
}
