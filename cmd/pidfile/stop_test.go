package main

import (
	"strings"
	"testing"
	"time"
)

// -retry takes start-stop-daemon's schedules.
func TestParseSchedule(t *testing.T) {
	// TERM and KILL: the names every system knows (on Windows, both
	// terminate).
	term, _ := signalNamed("TERM")
	for in, want := range map[string][]stopStep{
		"TERM/10/KILL/5":   {{term, 10 * time.Second}, {killSignal, 5 * time.Second}},
		"KILL/1s/TERM/0.5": {{killSignal, time.Second}, {term, 500 * time.Millisecond}},
		"7":                {{term, 7 * time.Second}, {killSignal, 7 * time.Second}},
		"-TERM/2":          {{term, 2 * time.Second}},
	} {
		got, err := parseSchedule(in)
		if err != nil || len(got) != len(want) {
			t.Errorf("parseSchedule(%q) = %v, %v; want %v", in, got, err, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("parseSchedule(%q) = %v; want %v", in, got, want)
			}
		}
	}
	for _, in := range []string{"", "TERM", "TERM/10/KILL", "TERM/x", "NOSUCH/1", "TERM/-1", "TERM/10/forever", "x"} {
		if got, err := parseSchedule(in); err == nil {
			t.Errorf("parseSchedule(%q) = %v, want an error", in, got)
		}
	}
	// start-stop-daemon's forever is refused as such, not as a bad item.
	if _, err := parseSchedule("TERM/10/KILL/forever"); err == nil || !strings.Contains(err.Error(), "forever is not supported") {
		t.Errorf("parseSchedule(TERM/10/KILL/forever) = %v; want forever refused as such", err)
	}
}
