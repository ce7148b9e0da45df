package main

import (
	"reflect"
	"testing"
)

func TestLastLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		cut  bool
		want []string
	}{
		{"", 5, false, nil},
		{"\n", 5, false, nil},
		{"a\nb\nc\n", 2, false, []string{"b", "c"}},
		{"a\nb\nc", 5, false, []string{"a", "b", "c"}},
		{"rt of a line\nb\n", 5, true, []string{"b"}},
		{"x\x1b[2Jy\n\xff\n", 5, false, []string{`x\x1b[2Jy`, `\xff`}},
	} {
		if got := lastLines([]byte(tc.in), tc.n, tc.cut); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("lastLines(%q, %d, %t) = %q, want %q", tc.in, tc.n, tc.cut, got, tc.want)
		}
	}
}
