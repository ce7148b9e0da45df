//go:build !linux

package main

// nameProcess: only Linux lets a process rename itself without its own
// command line.
func nameProcess(string) {}
