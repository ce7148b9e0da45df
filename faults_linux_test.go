//go:build linux && !pidfile_portable

package pidfile

// Faults injected into Claim's system calls with strace(1): what a failed
// write leaves behind.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// runInjected runs the test binary in role under strace, with the system
// call sys failing with errno, and returns what the helper said.
func runInjected(t *testing.T, sys, errno, role, path string) string {
	t.Helper()
	strace := lookTool(t, "strace")
	cmd := exec.Command(strace, "-f", "-qq", "-o", os.DevNull, "-e", "trace="+sys,
		"-e", "inject="+sys+":error="+errno, os.Args[0])
	cmd.Env = append(helperEnv(), helperRole+"="+role, helperPath+"="+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("strace %s: %v: %s", role, err, out)
	}
	return strings.TrimSpace(string(out))
}

// Claim writes the new PID over the old content, then cuts what is left of
// the old: whatever step fails, the file names the old holder, the new one,
// or no process at all; never a third process made of the two.
func TestClaimNeverLeavesAnotherPID(t *testing.T) {
	for _, old := range []string{"", "1\n", "42\n", "4194304\n", "99999999\n", "junk"} {
		for _, fault := range []struct{ sys, errno string }{{"ftruncate", "EIO"}, {"pwrite64", "ENOSPC"}} {
			path := filepath.Join(t.TempDir(), "d.pid")
			writeFile(t, path, old)
			said := runInjected(t, fault.sys, fault.errno, "claim", path)
			_, pidText, _ := strings.Cut(said, " pid ")
			if !strings.Contains(said, "write PID") || !strings.Contains(said, path) {
				t.Errorf("old %q, %s failing: Claim said %q; want an error that names the path and the write", old, fault.sys, said)
			}
			got := readFile(t, path)
			pid, err := ParsePID([]byte(got))
			oldPID, oldErr := ParsePID([]byte(old))
			switch {
			case err != nil:
				// No PID at all: nobody is named.
			case oldErr == nil && pid == oldPID:
			case strconv.Itoa(pid) == pidText:
			default:
				t.Errorf("old %q, %s failing with %s: the file holds %q, which names process %d, neither the old nor the new holder (%s)",
					old, fault.sys, fault.errno, got, pid, pidText)
			}
			if fault.sys == "pwrite64" && got != old {
				t.Errorf("old %q, nothing written: the file holds %q", old, got)
			}
			if lockedElsewhere(t, path) {
				t.Errorf("old %q, %s failing: the lock is still held", old, fault.sys)
			}
		}
	}
}
