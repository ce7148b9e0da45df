package pidfile

import (
	"errors"
	"strconv"
)

// ErrInvalidContent is the target for errors.Is when a pidfile's content is
// not a PID as ParsePID defines it.
var ErrInvalidContent = errors.New("pidfile: content is not a PID")

// MaxPID is the largest PID that ParsePID accepts: the largest value of a
// pid_t on every supported system.
const MaxPID = 1<<31 - 1

// maxContent bounds how much of a pidfile is ever read. The longest valid
// content is "2147483647\n" (11 bytes); anything that fills the buffer is
// too long, so a huge file costs one small read, never its size in memory.
const maxContent = 64

// quoteLimit bounds how much of bad content an error message quotes.
const quoteLimit = 32

// ParsePID returns the PID that content names. It accepts exactly the text
// that Claim writes: the decimal digits of a value from 1 to MaxPID, with no
// sign, no leading zero and no white space, optionally followed by a single
// "\n". Anything else, including an empty content, is an error that matches
// ErrInvalidContent and quotes (escaped, and cut short if long) the content.
//
// It is strict on purpose: a supervisor acts on the result, and "0", "-1" or
// " 12" are not names of one process (kill(0) and kill(-1) signal groups).
func ParsePID(content []byte) (int, error) {
	return parsePID(content, false)
}

// parsePID is ParsePID; with nested, its error is a reason inside another
// error of this package, which says "pidfile:" already.
func parsePID(content []byte, nested bool) (int, error) {
	bad := func(reason string) error { return invalidContent(content, reason, nested) }
	digits := content
	if n := len(digits); n > 0 && digits[n-1] == '\n' {
		digits = digits[:n-1]
	}
	switch {
	case len(digits) == 0:
		return 0, bad("empty")
	case len(digits) > len("2147483647"):
		return 0, bad("too long")
	case digits[0] == '0':
		return 0, bad("zero or leading zero")
	}
	var v int64 // int64: the sum can pass 2^31 before it is checked, also on 32-bit systems
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, bad("not decimal digits")
		}
		v = v*10 + int64(c-'0')
	}
	if v > MaxPID {
		return 0, bad("larger than " + strconv.Itoa(MaxPID))
	}
	return int(v), nil
}

// contentError reports content that is not a PID.
type contentError struct {
	head   string // at most quoteLimit bytes of the content, copied
	cut    bool   // whether the content was longer than head
	reason string
	nested bool // a reason inside another of this package's errors, which says "pidfile:" already
}

// invalidContent copies what it quotes, so the caller's buffer may be reused.
func invalidContent(content []byte, reason string, nested bool) error {
	e := &contentError{reason: reason, nested: nested}
	if len(content) > quoteLimit {
		content, e.cut = content[:quoteLimit], true
	}
	e.head = string(content)
	return e
}

func (e *contentError) Error() string {
	more := ""
	if e.cut {
		more = "..."
	}
	prefix := "pidfile: "
	if e.nested {
		prefix = ""
	}
	return prefix + "content " + strconv.Quote(e.head) + more + " is not a PID (" + e.reason + ")"
}

func (e *contentError) Is(target error) bool { return target == ErrInvalidContent }
