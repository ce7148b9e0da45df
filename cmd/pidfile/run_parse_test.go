package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

// parse is parseRun on a fresh flag set.
func parse(args ...string) (launch, error) {
	return parseRun(newSubcommand("run", io.Discard, io.Discard, exitUsage), args)
}

// run's arguments become a launch, in process, without a word said.
func TestParseRun(t *testing.T) {
	l, err := parse("-detach", "-supervise", "-restart", "on-failure", "-restart-delay", "2", "-log", "x.log",
		"-log-size", "10m", "-ready", "fd:5", "-ready-timeout", "30", "-mode", "0600", "-user", "nobody", "p.pid", "--", "cmd", "-x")
	if err != nil {
		t.Fatal(err)
	}
	if l.path != "p.pid" || strings.Join(l.argv, " ") != "cmd -x" || !l.detach || l.userSpec != "nobody" || l.perm != 0o600 ||
		l.readyFD != 5 || l.readyTimeout != 30*time.Second || l.logPath != "x.log" || l.sup == nil ||
		l.sup.restart != restartOnFailure || l.sup.delay != 2*time.Second || l.sup.logSize != 10<<20 || l.sup.stopTimeout != 5*time.Second {
		t.Errorf("parseRun = %+v, sup %+v", l, l.sup)
	}
	if _, err := parse("-h"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"p.pid"}, "missing CMD"},
		{[]string{"p.pid", "--"}, "missing CMD"},
		{[]string{"p.pid", "-detach", "--", "x"}, "flags go before PATH"},
		{[]string{"-log", "l", "p.pid", "x"}, "-log needs -detach or -supervise"},
		{[]string{"-wait", "-1", "p.pid", "x"}, "negative -wait"},
		{[]string{"-restart", "always", "p.pid", "x"}, "-restart needs -supervise"},
		{[]string{"-supervise", "-restart-delay", "0", "p.pid", "x"}, "-restart-delay must be positive"},
		{[]string{"-supervise", "-log-keep", "3", "-log", "l", "p.pid", "x"}, "-log-keep needs -log-size"},
		{[]string{"-detach", "-log-stderr", "e", "p.pid", "x"}, "-log-stderr needs -log"},
		{[]string{"-detach", "-log", "l", "-log-stderr", "l", "p.pid", "x"}, "-log-stderr names the -log file"},
		{[]string{"-ready", "fd:3", "p.pid", "x"}, "-ready needs -detach or -supervise"},
		{[]string{"-detach", "-ready", "fd:2", "p.pid", "x"}, "fd:N with N from 3 to 1023"},
		{[]string{"-mode", "0666", "p.pid", "x"}, "-mode 0666"},
		{[]string{"-nice", "99", "p.pid", "x"}, "-nice"},
	} {
		_, err := parse(tc.args...)
		var usage usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("parseRun(%q) = %v; want a usage error saying %q", tc.args, err, tc.says)
		}
	}
}
