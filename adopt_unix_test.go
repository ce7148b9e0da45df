//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/go-pidfile/pidfile/internal/testproc"
)

// startAdopter starts the role "adopt" with fd as its descriptor 3 and
// env (PIDFILE_FD=...) in its environment, closes fd here, and returns
// what the role said.
func startAdopter(t *testing.T, path string, fd *os.File, env string) (*helper, string) {
	t.Helper()
	cmd := testproc.Command("adopt", path, "", env)
	if fd != nil {
		cmd.ExtraFiles = []*os.File{fd}
	}
	h := testproc.Start(t, cmd, testproc.Stdout)
	if fd != nil {
		fd.Close()
	}
	return h, h.Line()
}

// lockedDescription opens path and takes its exclusive flock, as flock(1) in
// an init script does.
func lockedDescription(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	must(t, err)
	must(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	return f
}

// A process started holding the lock through a descriptor that PIDFILE_FD
// names adopts it: Claim succeeds, writes its PID, and the kernel's table
// (which names the process that took the lock) does not hide it.
func TestClaimAdoptsInheritedLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	h, said := startAdopter(t, path, lockedDescription(t, path), InheritedLockEnv+"=3")
	if want := "claimed " + strconv.Itoa(h.PID()) + ` env="" verify=<nil>`; said != want {
		t.Fatalf("the adopter said %q, want %q", said, want)
	}
	if got := readFile(t, path); got != strconv.Itoa(h.PID())+"\n" {
		t.Errorf("content %q, want the adopter's PID", got)
	}
	for name, read := range map[string]func(string) (Result, error){"Read": Read, "ReadExact": ReadExact} {
		if r, err := read(path); err != nil || r.(LockedBy).PID != h.PID() {
			t.Errorf("%s = %#v, %v; want the adopter %d", name, r, err, h.PID())
		}
	}
	if pid, err := Signal(path, syscall.Signal(0)); pid != h.PID() || err != nil {
		t.Errorf("Signal = %d, %v; want the adopter %d", pid, err, h.PID())
	}
	h.Exit()
	if r, err := Read(path); err != nil || r.(NotHeld).Guard == nil {
		t.Errorf("after the adopter exited: %#v, %v; want NotHeld", r, err)
	} else {
		r.(NotHeld).Guard.Close()
	}
}

// PIDFILE_FD is believed only when proven: a descriptor of another file, one
// of this file that another lock keeps out, or no number at all, is no
// adoption, and Claim finds the lock held as it is.
func TestClaimAdoptsOnlyWhatIsProven(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d.pid")
	writeFile(t, path, "")
	holdForeignLock(t, path)
	unlocked, err := os.Open(path)
	must(t, err)
	for name, tc := range map[string]struct {
		fd  *os.File
		env string
	}{
		"another file's lock":      {lockedDescription(t, filepath.Join(dir, "other.pid")), "3"},
		"this file, held by other": {unlocked, "3"},
		"no descriptor":            {nil, "3"},
		"the standard input":       {nil, "0"},
		"not a number":             {nil, "three"},
	} {
		_, said := startAdopter(t, path, tc.fd, InheritedLockEnv+"="+tc.env)
		if !strings.HasPrefix(said, "error ") || !strings.Contains(said, "locked") {
			t.Errorf("%s: the adopter said %q; want the lock found held", name, said)
		}
	}
	if got := readFile(t, path); got != "" {
		t.Errorf("content %q; a refused adoption wrote", got)
	}
}

// A daemon hands its lock to a successor 1,000 times in a row; readers never
// see it not held, never fail, and never name a process before one they
// named already (each link holds until the next says it holds).
func TestHandoffHasNoGap(t *testing.T) {
	const links = 1000
	path := filepath.Join(t.TempDir(), "d.pid")
	first := startHelper(t, "relay", path, strconv.Itoa(links))
	// The last link holds until it is killed. Each link is in the first
	// one's process group, which lives on, so its ID is not reused, while
	// any link does; the first link's cleanup reaps them.
	t.Cleanup(func() { syscall.Kill(-first.PID(), syscall.SIGKILL) })
	var mu sync.Mutex
	var pid0 int
	if _, err := fmt.Sscanf(first.Expect("holds "), "holds %d", &pid0); err != nil {
		t.Fatal(err)
	}
	order := map[int]int{pid0: 0} // PID -> link
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	seen := map[string][]int{}
	var failures []string
	for name, read := range map[string]func(string) (Result, error){"Read": Read, "ReadExact": ReadExact} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var pids []int
			for ctx.Err() == nil {
				r, err := read(path)
				switch r := r.(type) {
				case LockedBy:
					if len(pids) == 0 || pids[len(pids)-1] != r.PID {
						pids = append(pids, r.PID)
					}
					continue
				case NotHeld:
					r.Guard.Close()
				}
				mu.Lock()
				failures = append(failures, fmt.Sprintf("%s: %#v, %v", name, r, err))
				mu.Unlock()
			}
			mu.Lock()
			seen[name] = pids
			mu.Unlock()
		}()
	}
	for i := 1; i <= links; i++ {
		var pid int
		if _, err := fmt.Sscanf(first.Expect("holds "), "holds %d", &pid); err != nil {
			cancel()
			t.Fatal(err)
		}
		mu.Lock()
		order[pid] = i
		mu.Unlock()
	}
	cancel()
	wg.Wait()

	if len(failures) > 0 {
		t.Errorf("%d reads did not find the lock held, e.g. %q", len(failures), failures[0])
	}
	for name, pids := range seen {
		last := -1
		for _, pid := range pids {
			link, ok := order[pid]
			if !ok || link < last {
				t.Errorf("%s named %d (link %d, known %t) after link %d", name, pid, link, ok, last)
				break
			}
			last = link
		}
		t.Logf("%s saw %d holders of %d", name, len(pids), links+1)
	}
}

// The init script's way, with util-linux flock(1): the shell takes the lock
// on its descriptor 9 and executes the daemon, whose Claim adopts it.
func TestClaimAdoptsFlockUtilityLock(t *testing.T) {
	flock := testproc.LookTool(t, "flock")
	path := filepath.Join(t.TempDir(), "d.pid")
	script := `exec 9<>"$1" && "$2" -n 9 || exit 1; PIDFILE_FD=9 exec "$3"`
	h := startHelperCmd(t, exec.Command("sh", "-c", script, "sh", path, flock, os.Args[0]), "adopt", path, "")
	if l, want := h.Line(), "claimed "+strconv.Itoa(h.PID())+` env="" verify=<nil>`; l != want {
		t.Fatalf("the daemon said %q, want %q", l, want)
	}
	if r, err := ReadExact(path); err != nil || r.(LockedBy).PID != h.PID() {
		t.Errorf("ReadExact = %#v, %v; want the daemon %d", r, err, h.PID())
	}
}

// PIDFILE_FD naming the descriptor of this process's own Guard is no
// adoption: the second Claim finds the file held, and the first Guard's
// descriptor stays its own.
func TestClaimDoesNotAdoptItsOwnGuard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	g, err := Claim(path)
	must(t, err)
	defer g.Close()
	env, err := g.ExecEnv()
	must(t, err)
	k, v, _ := strings.Cut(env, "=")
	t.Setenv(k, v)
	if g2, err := Claim(path); !errors.Is(err, ErrLocked) {
		g2.Close()
		t.Errorf("a second Claim in the holder = %v, want ErrLocked", err)
	}
	must(t, g.Verify())
}

// Only a claimed Guard is handed on; Read's shared lock is not.
func TestHandoffRefusesReadsGuard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pid")
	writeFile(t, path, "")
	r, err := Read(path)
	must(t, err)
	g := r.(NotHeld).Guard
	defer g.Close()
	cmd := exec.Command("true")
	if err := g.Handoff(cmd); !errors.Is(err, os.ErrInvalid) || cmd.Process != nil {
		t.Errorf("Handoff of Read's Guard = %v, started %t; want os.ErrInvalid and nothing started", err, cmd.Process != nil)
	}
}
