// Package printable makes text safe to show on a terminal, in one line: the
// command's messages, the supervisor's log lines, and what status reads from
// files.
package printable

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String escapes the control characters of s as Go would quote them,
// and every byte that is not UTF-8: a lone 0x9b is CSI, C1's escape, to a
// terminal that reads 8-bit controls.
func String(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unicode.IsControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
