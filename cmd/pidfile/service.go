package main

// What a supervisor says of the service it runs, in PATH.child, for status:
// the supervisor holds the pidfile whether CMD runs or not, so the lock
// alone cannot tell "up" from "supervisor up, CMD crash-looping".
//
// The file's first line is the current CMD's PID, empty while none runs (so
// that a reader of the first line alone still finds it); then KEY=VALUE
// lines: the supervisor's PID, the state, and what the state needs.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-pidfile/pidfile/cmd/pidfile/internal/printable"
)

// service is the supervised CMD as its supervisor publishes it; as JSON, it
// is status -json's "service".
type service struct {
	Supervisor int       `json:"-"`                   // the PID of the supervisor that wrote it
	State      string    `json:"state"`               // starting, running, restarting, stopping
	PID        int       `json:"pid,omitempty"`       // CMD, while it runs
	Since      time.Time `json:"since,omitzero"`      // when CMD started (running), or the state began
	Restarts   int       `json:"restarts"`            // restarts in a row of short runs
	LastExit   string    `json:"last_exit,omitempty"` // how the last CMD ended, in words
	NextStart  time.Time `json:"next_start,omitzero"` // restarting: when CMD starts again
}

// Service states.
const (
	serviceStarting   = "starting"
	serviceRunning    = "running"
	serviceRestarting = "restarting"
	serviceStopping   = "stopping"
)

// maxServiceText bounds what is read of PATH.child.
const maxServiceText = 4096

// encode is the file's content.
func (s service) encode() string {
	var b strings.Builder
	if s.PID > 0 {
		b.WriteString(strconv.Itoa(s.PID))
	}
	fmt.Fprintf(&b, "\nsupervisor=%d\nstate=%s\nrestarts=%d\n", s.Supervisor, s.State, s.Restarts)
	if !s.Since.IsZero() {
		fmt.Fprintf(&b, "since=%s\n", s.Since.UTC().Format(time.RFC3339Nano))
	}
	if s.LastExit != "" {
		fmt.Fprintf(&b, "last_exit=%s\n", printable.String(s.LastExit))
	}
	if !s.NextStart.IsZero() {
		fmt.Fprintf(&b, "next_start=%s\n", s.NextStart.UTC().Format(time.RFC3339Nano))
	}
	if len(b.String()) > maxServiceText {
		return b.String()[:maxServiceText]
	}
	return b.String()
}

// decodeService parses the file's content; false for anything this
// program did not write.
func decodeService(text string) (service, bool) {
	var s service
	first, rest, ok := strings.Cut(text, "\n")
	if !ok {
		return s, false
	}
	if first != "" {
		pid, err := strconv.Atoi(first)
		if err != nil || pid <= 0 || strconv.Itoa(pid) != first {
			return s, false
		}
		s.PID = pid
	}
	for _, line := range strings.Split(strings.TrimSuffix(rest, "\n"), "\n") {
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return s, false
		}
		var err error
		switch key {
		case "supervisor":
			s.Supervisor, err = strconv.Atoi(value)
		case "state":
			s.State = value
		case "restarts":
			s.Restarts, err = strconv.Atoi(value)
		case "since":
			s.Since, err = time.Parse(time.RFC3339Nano, value)
		case "last_exit":
			s.LastExit = value
		case "next_start":
			s.NextStart, err = time.Parse(time.RFC3339Nano, value)
		}
		if err != nil {
			return s, false
		}
	}
	switch s.State {
	case serviceStarting, serviceRunning, serviceRestarting, serviceStopping:
	default:
		return s, false
	}
	return s, s.Supervisor > 0 && (s.PID > 0) == (s.State == serviceRunning)
}

// describe says the service's state in words, at now, for status.
func (s service) describe(now time.Time) string {
	switch s.State {
	case serviceRunning:
		return fmt.Sprintf("CMD runs as process %d, for %v", s.PID, now.Sub(s.Since).Round(time.Second))
	case serviceRestarting:
		w := fmt.Sprintf("CMD is restarting in %v", max(s.NextStart.Sub(now), 0).Round(100*time.Millisecond))
		if s.LastExit != "" {
			w += "; the last " + s.LastExit
		}
		return w + fmt.Sprintf("; %d restarts in a row", s.Restarts)
	case serviceStopping:
		return "CMD is being stopped"
	}
	return "CMD is starting"
}
