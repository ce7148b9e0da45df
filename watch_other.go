//go:build !linux

package pidfile

// watchPath: Watch checks at its interval alone here.
func watchPath(string) (<-chan struct{}, func()) { return nil, func() {} }
