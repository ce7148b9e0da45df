//go:build unix && !linux

package main

// lockTable: there is no lock table to ask here.
const lockTable = false
