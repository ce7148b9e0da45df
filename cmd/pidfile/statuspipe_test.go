package main

import (
	"os"
	"reflect"
	"testing"
)

// Both ends of the status pipe, in process: what the child's reporter
// writes is what the parent's readStatus hears.
func TestStatusPipe(t *testing.T) {
	for _, tc := range []struct {
		name  string
		child func(r *reporter)
		want  statusHeard
		notes []string
	}{
		{"exec", func(r *reporter) { r.note("waiting for %s", "x"); r.execing() },
			statusHeard{execed: true}, []string{"waiting for x"}},
		{"nothing", func(*reporter) {}, statusHeard{}, nil},
		{"failure", func(r *reporter) { r.fail(3, "no\nway %d", 7) },
			statusHeard{failed: true, code: 3, msg: `no\nway 7`}, nil},
		{"failure after exec", func(r *reporter) { r.execing(); r.fail(4, "late") },
			statusHeard{execed: true, failed: true, code: 4, msg: "late"}, nil},
		{"started", func(r *reporter) {
			r.started()
			if r.piped() {
				t.Error("the reporter still pipes after started")
			}
			r.fail(5, "said on stderr, not the pipe")
		}, statusHeard{execed: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			var stderr []byte
			r := &reporter{stderr: writerFunc(func(p []byte) { stderr = append(stderr, p...) }), status: pw}
			tc.child(r)
			if r.status != nil {
				r.status.Close()
			}
			var notes []string
			got := readStatus(pr, func(n string) { notes = append(notes, n) })
			if got != tc.want || !reflect.DeepEqual(notes, tc.notes) {
				t.Errorf("heard %+v, notes %q; want %+v, %q", got, notes, tc.want, tc.notes)
			}
			if tc.name == "started" && string(stderr) != "said on stderr, not the pipe\n" {
				t.Errorf("stderr %q", stderr)
			}
		})
	}
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }
