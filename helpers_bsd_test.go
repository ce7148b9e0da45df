//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package pidfile

import "errors"

// runBudgetHelper has no budgets to trace outside Linux.
func runBudgetHelper(string) int { return 2 }

// lockTable: these systems have no lock table to ask.
const lockTable = false

// setRealUID is not needed here: the tests that use it are Linux's.
func setRealUID(string) error { return errors.ErrUnsupported }
