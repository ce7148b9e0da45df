package pidfile

import (
	"errors"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// A device node made beside the pidfile, not only /dev/null.
func TestDeviceNodeIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "null.pid")
	if err := unix.Mknod(path, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("cannot make a device node here (%v); /dev/null is covered by TestUnsafePathsAreRefused", err)
	}
	if _, err := Claim(path); !errors.Is(err, ErrUnsafeFile) {
		t.Errorf("Claim = %v, want ErrUnsafeFile", err)
	}
}
