//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows

package main

// End-to-end tests: the command is built once and run as a user would run
// it, against real processes.

import (
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// bin is the command under test: on every system, the test binary, which is
// the command when asCommandEnv is set (setUpCommand).
var bin string

func TestMain(m *testing.M) {
	testproc.Play(runRole)
	if os.Getenv(asCommandEnv) != "" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	// Orphans (flock(1)'s command, detached daemons) become this
	// process's children, to be reaped by the tests that made them.
	testproc.AdoptOrphans()
	cleanup, err := setUpCommand()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// setUpCommand makes the test binary the command under test, the same way on
// every system: asCommandEnv goes into this process's environment, which
// every process that the tests start inherits (a helper's role comes first),
// and bin names the binary (commandBinary).
func setUpCommand() (func(), error) {
	b, cleanup, err := commandBinary()
	if err != nil {
		return nil, err
	}
	bin = b
	// Under the race detector a process sleeps a second at exit by
	// default; the command need not.
	if err := os.Setenv("GORACE", "atexit_sleep_ms=0 "+os.Getenv("GORACE")); err != nil {
		cleanup()
		return nil, err
	}
	return cleanup, os.Setenv(asCommandEnv, "1")
}

// The environment that makes the test binary play a helper role
// (helpers_*_test.go), or be the command itself (where it cannot be built).
const (
	roleEnv      = testproc.RoleEnv
	pathEnv      = testproc.PathEnv
	argEnv       = testproc.ArgEnv
	asCommandEnv = "PIDFILE_CMD_TEST_AS_COMMAND"
)

// result is what one run of the command did.
type result struct {
	stdout, stderr string
	code           int
}

// pidfileCmd runs the command to completion.
func pidfileCmd(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("pidfile %v: %v", args, err)
	}
	r := result{out.String(), errOut.String(), cmd.ProcessState.ExitCode()}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
		t.Errorf("pidfile %v crashed:\n%s", args, r.stderr)
	}
	return r
}

// daemon is a long-running process started by the test (a `pidfile run`
// whose command is cat, which runs until its stdin closes, or a tool or the
// test binary in a role); its stderr comes back in lines.
type daemon = testproc.Proc

// startCmd starts cmd as a daemon, killed and reaped when the test ends.
func startCmd(t *testing.T, cmd *exec.Cmd) *daemon {
	t.Helper()
	return testproc.Start(t, cmd, testproc.Stderr)
}

// A path that holds a newline or another control character is escaped in
// messages, which stay one line each.
func TestMessagesStayOneLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a\nb\r.pid")
	cases := [][]string{{"status", path}, {"pid", path}, {"kill", path}, {"status", filepath.Join(dir, "no\ndir", "x.pid")}}
	if runtime.GOOS != "windows" { // where run is refused before it looks at PATH
		cases = append(cases, []string{"run", path + "/x", "--", "true"})
	}
	for _, args := range cases {
		r := pidfileCmd(t, args...)
		if out := r.stdout + r.stderr; strings.Count(out, "\n") != 1 || !strings.Contains(out, `a\nb\r.pid`) && !strings.Contains(out, `no\ndir`) {
			t.Errorf("%q: stdout %q, stderr %q; want one line with the path escaped", args, r.stdout, r.stderr)
		}
	}
}

// The package documentation's synopsis, the top-level usage and each -h say
// the same usage lines, all made from (or checked against) the table of
// subcommands.
func TestUsageLinesAgree(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	var doc []string
	for _, l := range strings.Split(f.Doc.Text(), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "pidfile ") && strings.Contains(l, " PATH") || l == "pidfile --version" {
			doc = append(doc, l)
		}
	}
	var table []string
	for _, c := range commands() {
		table = append(table, "pidfile "+c.name+" "+c.synopsis)
		r := pidfileCmd(t, c.name, "-h")
		if !strings.HasPrefix(r.stdout, "usage: pidfile "+c.name+" "+c.synopsis+"\n"+c.help) {
			t.Errorf("%s -h: %q, want the usage line %q and the help", c.name, r.stdout, c.synopsis)
		}
		// Every flag that the subcommand defines (-h lists them) is in
		// its usage line.
		for _, l := range strings.Split(r.stdout, "\n") {
			if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(l, "  -") && !strings.Contains(c.synopsis, "["+f[0]+" ") && !strings.Contains(c.synopsis, "["+f[0]+"]") {
				t.Errorf("%s: flag %s is not in the usage line %q", c.name, f[0], c.synopsis)
			}
		}
	}
	table = append(table, "pidfile --version")
	if strings.Join(doc, "\n") != strings.Join(table, "\n") {
		t.Errorf("the package documentation says\n%s\nthe table of subcommands\n%s", strings.Join(doc, "\n"), strings.Join(table, "\n"))
	}
	r := pidfileCmd(t, "-h")
	for _, l := range table {
		if !strings.Contains(r.stdout, "  "+l+"\n") {
			t.Errorf("pidfile -h lacks %q:\n%s", l, r.stdout)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, sub := range []string{"run", "stop", "status", "pid", "kill", "wait"} {
		r := pidfileCmd(t, sub, "-h")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: pidfile "+sub) || r.stderr != "" {
			t.Errorf("%s -h: exit %d, stdout %q, stderr %q", sub, r.code, r.stdout, r.stderr)
		}
		want := 2
		if sub == "status" {
			want = 4 // LSB: unknown
		}
		for _, args := range [][]string{{sub, "-nosuchflag", "x"}, {sub}} {
			r := pidfileCmd(t, args...)
			if r.code != want || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%v: exit %d, stderr %q; want %d and one line", args, r.code, r.stderr, want)
			}
		}
	}
	if r := pidfileCmd(t); r.code != 2 {
		t.Errorf("no subcommand: exit %d, want 2", r.code)
	}
	if r := pidfileCmd(t, "frobnicate"); r.code != 2 {
		t.Errorf("unknown subcommand: exit %d, want 2", r.code)
	}
	if r := pidfileCmd(t, "run", "x.pid"); r.code != 2 {
		t.Errorf("run without CMD: exit %d, want 2", r.code)
	}
	// An empty PATH (an unset variable in a script) is a usage error, not
	// "no file, so nothing runs": stop must not succeed on it.
	for _, args := range [][]string{{"stop", ""}, {"kill", ""}, {"wait", ""}, {"pid", ""}, {"status", ""},
		{"run", "", "--", "true"}, {"wait", "-timeout", "-1s", "x.pid"}, {"stop", "-timeout", "-1s", "x.pid"},
		{"run", "-wait", "-1s", "x.pid", "--", "true"}} {
		want := 2
		if args[0] == "status" {
			want = 4
		}
		r := pidfileCmd(t, args...)
		if r.code != want || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d and one line", args, r.code, r.stdout, r.stderr, want)
		}
	}
	if r := pidfileCmd(t, "--version"); r.code != 0 || !strings.HasPrefix(r.stdout, "pidfile ") {
		t.Errorf("--version: exit %d, stdout %q", r.code, r.stdout)
	}
}

// Every exit status that a subcommand's table entry lists (and so its -h)
// is in the README's row for it (run's rows: run, run -detach and run
// -supervise), as "N " at the start of an item.
func TestExitStatusesInReadme(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		cells := strings.Split(l, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		name, _, _ := strings.Cut(strings.Trim(strings.TrimSpace(cells[1]), "`"), " ")
		rows[name] += " " + cells[len(cells)-2]
	}
	for _, c := range commands() {
		row, ok := rows[c.name]
		if !ok {
			t.Errorf("the README has no row for %s", c.name)
			continue
		}
		for _, e := range c.exits {
			if !regexp.MustCompile(`(^|[ ,;(])` + strconv.Itoa(e.code) + `[ ,]`).MatchString(row) {
				t.Errorf("the README's row for %s lacks exit status %d (%s):%s", c.name, e.code, e.means, row)
			}
		}
		if r := pidfileCmd(t, c.name, "-h"); !strings.Contains(r.stdout, c.exitText()) {
			t.Errorf("%s -h lacks its exit statuses:\n%s", c.name, r.stdout)
		}
	}
}
