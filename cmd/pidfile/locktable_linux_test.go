//go:build linux && !pidfile_portable

package main

import "testing"

// lockTable: the command is built to ask the kernel's lock table.
const lockTable = true

// requireLockTable lets a test that needs the lock table run.
func requireLockTable(*testing.T) {}
