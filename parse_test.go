package pidfile

import (
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

func TestParsePID(t *testing.T) {
	good := map[string]int{
		"1": 1, "1\n": 1, "42\n": 42, "2147483647": MaxPID, "2147483647\n": MaxPID,
		"4194304\n": 4194304,
	}
	for in, want := range good {
		got, err := ParsePID([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParsePID(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := []string{
		"", "\n", "0", "0\n", "00", "01", "-1", "+1", " 1", "1 ", "1\n\n", "\n1",
		"1\r\n", "2147483648", "9999999999", "99999999999", "18446744073709551617",
		"1x", "0x10", "1e3", "１", "1\x00", "12\t", "4294967297",
	}
	for _, in := range bad {
		got, err := ParsePID([]byte(in))
		if !errors.Is(err, ErrInvalidContent) || got != 0 {
			t.Errorf("ParsePID(%q) = %d, %v; want 0 and ErrInvalidContent", in, got, err)
		}
	}
}

func TestParsePIDErrorQuotesContentSafely(t *testing.T) {
	_, err := ParsePID([]byte("\x1b[31mevil\n"))
	if msg := err.Error(); !strings.Contains(msg, `"\x1b[31mevil\n"`) || strings.Contains(msg, "\x1b") {
		t.Errorf("message %q does not quote the content escaped", msg)
	}
	long := strings.Repeat("7", 1000) + "tail"
	_, err = ParsePID([]byte(long))
	msg := err.Error()
	if strings.Contains(msg, "tail") || !strings.Contains(msg, `"...`) || len(msg) > 200 {
		t.Errorf("message for 1004 bytes is %d bytes, want it cut short: %q", len(msg), msg)
	}
}

// The error keeps its own copy: reusing the buffer must not change it.
func TestParsePIDErrorOwnsItsCopy(t *testing.T) {
	buf := []byte("abc")
	_, err := ParsePID(buf)
	copy(buf, "xyz")
	if !strings.Contains(err.Error(), `"abc"`) {
		t.Errorf("message %q changed with the caller's buffer", err)
	}
}

// referencePID is an independent definition of valid content: a regular
// expression for the form, arbitrary precision for the range.
var referenceForm = regexp.MustCompile(`^[1-9][0-9]*\n?$`)

func referencePID(b []byte) (int, bool) {
	digits := strings.TrimSuffix(string(b), "\n")
	// Without a leading zero, 11 or more digits are at least 10^10: too
	// large, and not worth a slow conversion of a huge fuzz input.
	if !referenceForm.Match(b) || len(digits) > 11 {
		return 0, false
	}
	v, _ := new(big.Int).SetString(digits, 10)
	if v.Cmp(big.NewInt(MaxPID)) > 0 {
		return 0, false
	}
	return int(v.Int64()), true
}

func FuzzParsePID(f *testing.F) {
	for _, s := range []string{"1", "1\n", "2147483647\n", "2147483648", "0", "01", "-1", "", "\n",
		" 1", "1 ", "12a", "99999999999999999999", "1\n\n", "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParsePID(b)
		want, ok := referencePID(b)
		if ok != (err == nil) || got != want {
			t.Fatalf("ParsePID(%q) = %d, %v; reference says %d, %v", b, got, err, want, ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidContent) {
			t.Fatalf("ParsePID(%q) error %v does not match ErrInvalidContent", b, err)
		}
	})
}
