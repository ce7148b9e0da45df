//go:build linux && pidfile_portable

package main

import "testing"

// lockTable: the command is built with the code of macOS and the BSDs, which
// has no lock table to ask.
const lockTable = false

// requireLockTable skips a test that needs the kernel's lock table.
func requireLockTable(t *testing.T) {
	t.Helper()
	t.Skip("needs the kernel's lock table; this build (pidfile_portable) runs the code of macOS and the BSDs")
}
