package pidfile

import (
	"path/filepath"
	"syscall"
	"testing"
)

// withoutKernelTable hides /proc/locks for one test, as on a system without
// one, so that the content rules alone decide.
func withoutKernelTable(t *testing.T) {
	old := procLocksPath
	procLocksPath = filepath.Join(t.TempDir(), "no-locks")
	t.Cleanup(func() { procLocksPath = old })
}

var unixSysProcAttrNobody = syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
