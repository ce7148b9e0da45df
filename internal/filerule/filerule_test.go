package filerule

import "testing"

// Root's and the caller's files that nobody else may write pass; the rest
// say why not.
func TestUntrusted(t *testing.T) {
	asked := 0
	euid := func() uint32 { asked++; return 1000 }
	for _, tc := range []struct {
		uid, perm uint32
		want      string
	}{
		{0, 0o644, ""},
		{0, 0o600, ""},
		{1000, 0o640, ""},
		{0, 0o664, "is writable by its group (mode 0664)"},
		{0, 0o646, "is writable by others (mode 0646)"},
		{1000, 0o4666, "is writable by others (mode 04666)"},
		{65534, 0o644, "is owned by user 65534, not by root or by this process's user 1000"},
	} {
		if got := Untrusted(tc.uid, tc.perm, euid); got != tc.want {
			t.Errorf("Untrusted(%d, %o) = %q, want %q", tc.uid, tc.perm, got, tc.want)
		}
	}
	asked = 0
	Untrusted(0, 0o644, euid)
	if asked != 0 {
		t.Error("the caller's UID was asked for a file of root's")
	}
}
