//go:build linux || freebsd

package main

import (
	"syscall"
	"testing"
)

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
