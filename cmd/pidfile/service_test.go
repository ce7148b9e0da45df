package main

import (
	"testing"
	"time"
)

// What a supervisor publishes reads back as it was; anything else in the
// file is not taken for it.
func TestServiceText(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 5, time.UTC)
	for _, s := range []service{
		{Supervisor: 10, State: serviceRunning, PID: 11, Since: at, Restarts: 2, LastExit: "CMD exited with status 1"},
		{Supervisor: 10, State: serviceRestarting, Since: at, Restarts: 3, LastExit: "CMD was killed by signal KILL", NextStart: at.Add(time.Minute)},
		{Supervisor: 10, State: serviceStarting, Since: at},
	} {
		got, ok := decodeService(s.encode())
		if !ok || got != s {
			t.Errorf("decodeService(%q) = %+v, %t; want %+v", s.encode(), got, ok, s)
		}
	}
	for _, text := range []string{
		"", "123\n", "123", // a PID alone: an older supervisor's, or a forgery
		"11\nsupervisor=10\nstate=restarting\n",      // a PID while none runs
		"\nsupervisor=10\nstate=running\n",           // running with no PID
		"11\nstate=running\n",                        // no supervisor
		"11\nsupervisor=10\nstate=dancing\n",         // no such state
		"011\nsupervisor=10\nstate=running\n",        // not a PID as written
		"11\nsupervisor=10\nstate=running\nbroken\n", // not KEY=VALUE
		"\nsupervisor=10\nstate=starting\nsince=yesterday\n",
	} {
		if got, ok := decodeService(text); ok {
			t.Errorf("decodeService(%q) = %+v, want nothing", text, got)
		}
	}
}

// describe says the state for a person.
func TestServiceDescribe(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for s, want := range map[service]string{
		{State: serviceRunning, PID: 11, Since: at}: "CMD runs as process 11, for 1m30s",
		{State: serviceRestarting, Restarts: 3, LastExit: "CMD exited with status 1", NextStart: at.Add(2 * time.Minute)}: "CMD is restarting in 30s; the last CMD exited with status 1; 3 restarts in a row",
		{State: serviceStopping}: "CMD is being stopped",
		{State: serviceStarting}: "CMD is starting",
	} {
		if got := s.describe(at.Add(90 * time.Second)); got != want {
			t.Errorf("describe(%+v) = %q, want %q", s, got, want)
		}
	}
}
