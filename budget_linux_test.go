package pidfile

// Budgets: the system calls and heap allocations each operation may cost.
// They are exact counts, not timings, so they hold on a noisy machine.

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/go-pidfile/pidfile/internal/testproc"
	"golang.org/x/sys/unix"
)

// budget is what one operation may cost.
type budget struct {
	op       string
	syscalls int // what the job needs, named in why
	allocs   float64
	why      string
}

var budgets = []budget{
	claimBudget,
	{"Close", 1, 0, "close"},
	{"ReadNotExist", 1, 1, "open"},
	{"ReadNotHeld", 3, 2, "open, fstat, flock"},
	{"ReadLocked", 6, 3, "open, fstat, flock, pread, kill(pid, 0), close"},
	{"ParsePID", 0, 0, "none"},
	// The kernel's answer under a holder that writes no PID and has ten
	// thousand descriptors open after its pidfile: the reading of the table
	// stops at the holder's line, and the search of its descriptors at the
	// pidfile, whose fdinfo shows that its description holds the lock.
	{"ReadKernel", 19, 20, "open, fstat, flock, pread; /proc/locks: open, read, close; " +
		"kill(pid, 0); /proc/PID/fd: open, getdents, fstatat of fds 0 to 3, " +
		"/proc/PID/fdinfo/3: open, pread, close; close; close"},
}

// budgetOp is one measured operation: setup and teardown run outside the
// measurement, run inside; the three may be repeated.
type budgetOp struct {
	setup, run, teardown func()
}

// budgetOps returns the operations of the budgets, on files in dir, and a
// function that releases what they hold.
func budgetOps(dir string) (map[string]budgetOp, func()) {
	free := filepath.Join(dir, "free.pid")
	none := filepath.Join(dir, "none.pid")
	held := filepath.Join(dir, "held.pid")
	os.WriteFile(free, nil, 0o644)
	// Another open file description of this process holds held.pid, whose
	// content names a live process that is not this one (which would be
	// believed without a liveness check): the parent.
	os.WriteFile(held, []byte(strconv.Itoa(os.Getppid())+"\n"), 0o644)
	holder, _ := unix.Open(held, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	unix.Flock(holder, unix.LOCK_EX)
	// A child holds kernel.pid as flock(1) would, with 10,000 more
	// descriptors.
	kernel := filepath.Join(dir, "kernel.pid")
	os.WriteFile(kernel, nil, 0o644)
	child := exec.Command(os.Args[0])
	child.Env = append(testproc.Environ(), testproc.RoleEnv+"=fds", testproc.PathEnv+"="+kernel, testproc.ArgEnv+"=10000")
	childIn, _ := child.StdinPipe()
	childOut, _ := child.StdoutPipe()
	child.Start()
	bufio.NewReader(childOut).ReadString('\n') // "ready PID"
	var g *Guard
	var r Result
	content := []byte("4194304\n")
	nothing := func() {}
	return map[string]budgetOp{
			"Claim":        {nothing, func() { g, _ = Claim(free) }, func() { g.Close() }},
			"Close":        {func() { g, _ = Claim(free) }, func() { g.Close() }, nothing},
			"ReadNotExist": {nothing, func() { Read(none) }, nothing},
			"ReadNotHeld":  {nothing, func() { r, _ = Read(free) }, func() { r.(NotHeld).Guard.Close() }},
			"ReadLocked":   {nothing, func() { Read(held) }, nothing},
			"ParsePID":     {nothing, func() { ParsePID(content) }, nothing},
			"ReadKernel":   {nothing, func() { Read(kernel) }, nothing},
		}, func() {
			unix.Close(holder)
			childIn.Close()
			child.Wait()
		}
}

// runBudgetHelper is the helper role "budget": each operation runs once to
// warm up, then once between two marker calls, on one locked thread.
func runBudgetHelper(dir string) int {
	runtime.LockOSThread()
	ops, done := budgetOps(dir)
	defer done()
	for _, b := range budgets {
		op := ops[b.op]
		op.setup()
		op.run()
		op.teardown()
		op.setup()
		unix.Access("/pidfile-budget/"+b.op+"/begin", unix.F_OK)
		op.run()
		unix.Access("/pidfile-budget/"+b.op+"/end", unix.F_OK)
		op.teardown()
	}
	return 0
}

// runtimeCalls are made by the Go runtime on any thread (scheduling, memory,
// preemption signals), not by this package.
var runtimeCalls = map[string]bool{
	"futex": true, "nanosleep": true, "sched_yield": true, "mmap": true, "munmap": true,
	"madvise": true, "rt_sigreturn": true, "rt_sigprocmask": true, "sigaltstack": true,
	"clone": true, "clone3": true, "gettid": true, "tgkill": true,
}

var straceLine = regexp.MustCompile(`^(\d+)\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]`)

func TestSystemCallBudgets(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed; .ci/run installs it")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "strace.out")
	cmd := exec.Command(strace, "-f", "-qq", "-o", out, os.Args[0])
	cmd.Env = append(testproc.Environ(), testproc.RoleEnv+"=budget", testproc.PathEnv+"="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("strace cannot trace here (%v): %s", err, b)
	}
	f, err := os.Open(out)
	must(t, err)
	defer f.Close()

	calls := map[string][]string{}
	var op, tid string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, `"/pidfile-budget/`); i >= 0 {
			parts := strings.Split(line[i+1:], "/")
			if parts[3][:3] == "beg" {
				op, tid = parts[2], strings.Fields(line)[0]
				calls[op] = []string{}
			} else {
				op = ""
			}
			continue
		}
		m := straceLine.FindStringSubmatch(line)
		if op == "" || m == nil || m[1] != tid || strings.Contains(line, "resumed>") || runtimeCalls[m[2]] {
			continue
		}
		calls[op] = append(calls[op], m[2])
	}
	for _, b := range budgets {
		if b.op == "ReadKernel" && !lockTable {
			continue // no kernel to answer: Read waits out the write window
		}
		got, ok := calls[b.op]
		if !ok {
			t.Errorf("%s: no trace between the markers", b.op)
			continue
		}
		t.Logf("%-12s %d system calls: %s", b.op, len(got), strings.Join(got, ", "))
		if len(got) > b.syscalls {
			t.Errorf("%s made %d system calls (%s); the budget is %d (%s)",
				b.op, len(got), strings.Join(got, ", "), b.syscalls, b.why)
		}
	}
}

func TestAllocationBudgets(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own; the run without -race checks the budgets")
	}
	ops, done := budgetOps(t.TempDir())
	defer done()
	for _, b := range budgets {
		if b.op == "ReadKernel" && !lockTable {
			continue
		}
		op := ops[b.op]
		op.setup()
		op.run() // warm up
		op.teardown()
		const runs = 100
		var total uint64
		var before, after runtime.MemStats
		for range runs {
			op.setup()
			runtime.ReadMemStats(&before)
			op.run()
			runtime.ReadMemStats(&after)
			op.teardown()
			total += after.Mallocs - before.Mallocs
		}
		got := float64(total) / runs
		t.Logf("%-12s %v allocations", b.op, got)
		// Other goroutines of the runtime allocate now and then, which
		// shows as a fraction; one more allocation per call shows as one.
		if got >= b.allocs+0.5 {
			t.Errorf("%s: %v allocations, budget %v", b.op, got, b.allocs)
		}
	}
}
