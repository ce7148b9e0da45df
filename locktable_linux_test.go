//go:build linux && !pidfile_portable

package pidfile

import (
	"path/filepath"
	"testing"
)

// lockTable: this build asks the kernel's lock table, and signals and waits
// through pidfds.
const lockTable = true

// requireLinuxKernel lets a test that needs the lock table or pidfds run.
func requireLinuxKernel(*testing.T) {}

// withoutKernelTable hides /proc/locks for one test, as on a system without
// one, so that the content rules alone decide.
func withoutKernelTable(t *testing.T) {
	old := procLocksPath
	procLocksPath = filepath.Join(t.TempDir(), "no-locks")
	t.Cleanup(func() { procLocksPath = old })
}

// claimBudget is what Claim costs: the read-only description is opened
// through /proc/self/fd, which names the very file.
var claimBudget = budget{"Claim", 7, 3, "open for writing, fstat, open read-only (/proc/self/fd/N), flock, pwrite, ftruncate, " +
	"close the writable descriptor"}
