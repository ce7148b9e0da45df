//go:build !linux

package main

// Elsewhere status cannot ask the kernel for a process's parent and group
// as cheaply (FreeBSD's kinfo_proc is not in x/sys), so it names no child:
// an unconfirmed PID is never printed.

func childFileSays(string, string) (service, bool) { return service{}, false }
func isSupervisedChild(int, int) bool              { return false }
func onlyZombies(int) bool                         { return false }
