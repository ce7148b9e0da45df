//go:build linux && pidfile_portable

package pidfile

import "testing"

// lockTable: this build has no lock table to ask, and signals with kill(2)
// and polls where Linux uses pidfds: the code of macOS and the BSDs, built
// on Linux with the tag pidfile_portable so that its tests run here.
const lockTable = false

// requireLinuxKernel skips a test that needs the lock table or pidfds.
func requireLinuxKernel(t *testing.T) {
	t.Helper()
	t.Skip("needs the kernel's lock table and pidfds; this build (pidfile_portable) runs the code of macOS and the BSDs")
}

// withoutKernelTable does nothing: there is no table to hide.
func withoutKernelTable(*testing.T) {}

// claimBudget is what Claim costs where a descriptor cannot be reopened:
// the path is opened again and checked.
var claimBudget = budget{"Claim", 8, 3, "open for writing, fstat, open read-only (the path again), fstat (the same file?), " +
	"flock, pwrite, ftruncate, close the writable descriptor"}
