//go:build linux || freebsd

package main

import (
	"syscall"
	"testing"
	"time"
)

// The restart delay doubles up to a minute (or stays at a first delay
// given longer); a run of a minute starts it, and the count of quick
// restarts, from the beginning; -restart-max counts restarts in a row.
func TestBackoff(t *testing.T) {
	quick, steady := time.Second, steadyRun
	for _, tc := range []struct {
		first time.Duration
		max   int
		ran   []time.Duration
		want  string
	}{
		{time.Second, 0, []time.Duration{quick, quick, quick, quick, quick, quick, quick, quick},
			"1s 2s 4s 8s 16s 32s 1m0s 1m0s"},
		{90 * time.Second, 0, []time.Duration{quick, quick}, "1m30s 1m30s"},
		{time.Second, 0, []time.Duration{quick, quick, quick, steady, quick}, "1s 2s 4s 1s 2s"},
		{time.Second, 3, []time.Duration{quick, quick, quick, quick}, "1s 2s 4s gave-up"},
		{time.Second, 2, []time.Duration{quick, quick, steady, quick, quick}, "1s 2s 1s 2s gave-up"},
	} {
		b := newBackoff(tc.first, tc.max)
		got := ""
		for _, ran := range tc.ran {
			d, ok := b.after(ran)
			if !ok {
				got += " gave-up"
				break
			}
			got += " " + d.String()
		}
		if got[1:] != tc.want {
			t.Errorf("first %v, max %d, runs %v: %s; want %s", tc.first, tc.max, tc.ran, got[1:], tc.want)
		}
	}
}

// Which exits are followed by a restart, when no stop was requested.
func TestRestartPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy restartPolicy
		code   int
		want   bool
	}{
		{restartNever, 0, false}, {restartNever, 1, false}, {restartNever, 143, false},
		{restartOnFailure, 0, false}, {restartOnFailure, 1, true}, {restartOnFailure, 137, true},
		{restartAlways, 0, true}, {restartAlways, 1, true},
	} {
		if got := (supervision{restart: tc.policy}).restarts(tc.code); got != tc.want {
			t.Errorf("policy %d, status %d: restarts %v; want %v", tc.policy, tc.code, got, tc.want)
		}
	}
}

// -restart-exit-ok names the statuses that are success: on-failure does
// not restart after them, and does after 0 if 0 is not among them.
func TestRestartExitOK(t *testing.T) {
	ok, err := parseExitOK("0, 3,TERM,SIGHUP")
	if err != nil {
		t.Fatal(err)
	}
	s := supervision{restart: restartOnFailure, exitOK: ok}
	term, _ := signalNamed("TERM")
	hup, _ := signalNamed("HUP")
	for code, want := range map[int]bool{0: false, 3: false, 1: true, 4: true, 128 + int(term.(syscall.Signal)): false, 128 + int(hup.(syscall.Signal)): false, 137: true} {
		if got := s.restarts(code); got != want {
			t.Errorf("-restart-exit-ok 0,3,TERM,SIGHUP, status %d: restarts %v, want %v", code, got, want)
		}
	}
	if ok, _ := parseExitOK("3"); (supervision{restart: restartOnFailure, exitOK: ok}).restarts(0) != true {
		t.Error("-restart-exit-ok 3: status 0 is not restarted")
	}
	for _, bad := range []string{"", "256", "-1", "3,,4", "NOSUCH", "1.5"} {
		if got, err := parseExitOK(bad); err == nil {
			t.Errorf("parseExitOK(%q) = %v, want an error", bad, got)
		}
	}
}
