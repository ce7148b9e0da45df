package printable

import "testing"

// Messages reach a terminal: no control character, C0 or C1, and no byte
// that is not UTF-8 (a lone 0x9b is CSI to an 8-bit terminal) gets there
// raw; text, also text beyond ASCII, is left as it is.
func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            "plain",
		"héllo, 世界":        "héllo, 世界",
		"a\nb\x1b[2J":      `a\nb\x1b[2J`,
		"\u009b31m":        `\u009b31m`,
		"\x9b31m":          `\x9b31m`,
		"bad \xff\xfe end": `bad \xff\xfe end`,
		"\uFFFD kept":      "\uFFFD kept",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}
