//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows

package pidfile

// The test binary re-executes itself to play other processes (testproc's
// harness): TestMain plays the role that the environment names and exits
// before any test runs. Helpers talk to the test over stdin/stdout in lines.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// helperWantPID, if set, is the PID the helper was started to get.
const helperWantPID = "PIDFILE_TEST_WANTPID"

func TestMain(m *testing.M) {
	testproc.Play(runHelper)
	// Orphans of helpers (a helper's child, flock(1)'s command) become
	// this process's children, to be reaped by the test that made them.
	testproc.AdoptOrphans()
	os.Exit(m.Run())
}

// runHelper plays one role and returns the exit code.
func runHelper(role, path, arg string) int {
	in := bufio.NewReader(os.Stdin)
	say := func(format string, a ...any) { fmt.Printf(format+"\n", a...) }
	if want := os.Getenv(helperWantPID); want != "" {
		// Started to get a given PID (startAtPID): say whether it did.
		if want != strconv.Itoa(os.Getpid()) {
			say("wrongpid %d", os.Getpid())
			return 3
		}
		say("atpid")
	}
	switch role {
	case "hold":
		// Claim, say "ready PID", then obey lines on stdin until it
		// closes: "release" closes the Guard, "ping" answers "pong".
		// Flags in arg: "pause" stops in the write window (say "locked",
		// wait for a line, write, say "written"); "notify" reports
		// SIGTERM as "signal" instead of exiting.
		if strings.Contains(arg, "pause") {
			testHookWriteWindow = func() {
				say("locked")
				in.ReadString('\n')
			}
		}
		if strings.Contains(arg, "notify") {
			c := make(chan os.Signal, 1)
			signal.Notify(c, syscall.SIGTERM)
			go func() {
				for range c {
					say("signal")
				}
			}()
		}
		g, err := Claim(path)
		if err != nil {
			say("error %v", err)
			return 1
		}
		if strings.Contains(arg, "pause") {
			say("written")
		}
		say("ready %d", os.Getpid())
		for {
			l, err := in.ReadString('\n')
			switch strings.TrimSpace(l) {
			case "release":
				g.Close()
				say("released")
			case "ping":
				say("pong")
			}
			if err != nil {
				return 0
			}
		}
	case "race":
		// Claim in a loop. The witness is a directory that only a holder
		// creates and removes: if it already exists, two processes held
		// the lock at once. It is checked with mkdir, not with this
		// package, so a broken lock cannot hide itself.
		rounds, _ := strconv.Atoi(arg)
		witness := path + ".holder"
		won := 0
		for range rounds {
			g, err := Claim(path)
			if errors.Is(err, ErrLocked) {
				continue
			}
			if err != nil {
				say("error %v", err)
				return 1
			}
			if err := os.Mkdir(witness, 0o700); err != nil {
				say("violation %v", err)
				return 3
			}
			b, _ := os.ReadFile(path)
			if string(b) != strconv.Itoa(os.Getpid())+"\n" {
				say("violation content %q", b)
				return 3
			}
			won++
			os.Remove(witness)
			g.Close()
		}
		say("won %d", won)
		return 0
	case "read", "readexact":
		// Report what Read (or ReadExact) says of path in one line; with
		// arg "setuid N", after becoming user N.
		if uid, ok := strings.CutPrefix(arg, "setuid "); ok {
			if err := setuid(uid); err != nil {
				say("setuid %v", err)
				return 1
			}
		}
		read := Read
		if role == "readexact" {
			read = ReadExact
		}
		r, err := read(path)
		if err != nil {
			var le *LockedError
			pid := -1
			if errors.As(err, &le) {
				pid = le.PID
			}
			say("error pid=%d untrusted=%t inherited=%t: %v", pid,
				errors.Is(err, ErrUntrustedContent), errors.Is(err, ErrInheritedLock), err)
			return 0
		}
		switch r := r.(type) {
		case NotHeld:
			say("notheld")
			r.Guard.Close()
		case LockedBy:
			say("lockedby %d %v", r.PID, r.Source)
		case NotExist:
			say("notexist")
		}
		return 0
	case "claim":
		_, err := Claim(path)
		say("claim %v (ErrPermission %v) pid %d", err, errors.Is(err, fs.ErrPermission), os.Getpid())
		return 0
	case "exit":
		return 0
	case "idle-ready":
		say("ready %d", os.Getpid())
		io.Copy(io.Discard, in)
		return 0
	case "idle":
		io.Copy(io.Discard, in)
		return 0
	case "decoy":
		// A live process that is not the holder. It does not handle
		// SIGTERM, so the Go runtime makes it exit at once if it gets
		// one, and it can no longer answer a ping. With arg "ruid N",
		// its real user ID is N, its effective and saved ones stay.
		// With arg "open", it keeps path open for reading (as "sleep
		// <path" would), which is not holding its lock.
		if arg == "open" {
			f, err := os.Open(path)
			if err != nil {
				say("error %v", err)
				return 1
			}
			defer f.Close()
		}
		if uid, ok := strings.CutPrefix(arg, "ruid "); ok {
			if err := setRealUID(uid); err != nil {
				say("error %v", err)
				return 1
			}
		}
		say("ready %d", os.Getpid())
		for {
			l, err := in.ReadString('\n')
			if strings.TrimSpace(l) == "ping" {
				say("pong")
			}
			if err != nil {
				return 0
			}
		}
	}
	return runPlatformHelper(role, path, arg, in, say)
}

// helper is a running helper process: the test binary in a role, or a tool
// that the test reads lines from.
type helper = testproc.Proc

// startHelper starts the test binary in role with path and arg. The process
// is killed and reaped when the test ends.
func startHelper(t testing.TB, role, path, arg string) *helper {
	t.Helper()
	return startHelperCmd(t, exec.Command(os.Args[0]), role, path, arg)
}

// startHelperCmd starts cmd, which is to start the test binary, in role with
// path and arg; its stdout comes back in lines.
func startHelperCmd(t testing.TB, cmd *exec.Cmd, role, path, arg string) *helper {
	t.Helper()
	cmd.Env = append(append(testproc.Environ(), cmd.Env...), testproc.RoleEnv+"="+role, testproc.PathEnv+"="+path, testproc.ArgEnv+"="+arg)
	return testproc.Start(t, cmd, testproc.Stdout)
}

// startHolder starts a helper that claims path, and waits until it holds it.
func startHolder(t testing.TB, path string) *helper {
	t.Helper()
	h := startHelper(t, "hold", path, "")
	h.Expect("ready ")
	return h
}

// deadPID returns the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := testproc.Command("exit", "", "")
	cmd.Run()
	return cmd.Process.Pid
}

// writeFile creates path with content, failing the test on error.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readFile returns path's content, failing the test on error.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goroutinesSettle waits until the number of goroutines is at most n and
// reports whether it got there. Goroutines that are ending need a moment to
// be gone from the count; one that stays blocked never goes.
func goroutinesSettle(n int) bool {
	for range 1000 {
		if runtime.NumGoroutine() <= n {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// secret is content that a refused path must neither lose nor quote.
const secret = "root:x:0:0:secret\n"

// claimAndRead are Claim and Read as calls that return only their error, and
// release whatever they got: for tests of refused paths.
var claimAndRead = map[string]func(string) error{
	"Claim": func(p string) error {
		g, err := Claim(p)
		if err == nil {
			g.Close()
		}
		return err
	},
	"Read": func(p string) error {
		r, err := Read(p)
		if nh, ok := r.(NotHeld); ok {
			nh.Guard.Close()
		}
		return err
	},
}
