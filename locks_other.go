//go:build !linux || pidfile_portable

package pidfile

// kernelHolder has no lock table to ask outside Linux.
func kernelHolder(*file) (int, kernelState) { return 0, kernelNoTable }
