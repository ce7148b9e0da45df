package main

import "testing"

// -env-file reads what /etc/default files hold for sh, and refuses, naming
// why, what it cannot read without a shell.
func TestParseEnvLine(t *testing.T) {
	for line, want := range map[string]string{
		"FOO=bar":                      "FOO=bar",
		"  FOO=bar  ":                  "FOO=bar",
		"export FOO=bar":               "FOO=bar",
		"export\tFOO=bar":              "FOO=bar",
		"BAR=b=c":                      "BAR=b=c",
		"EMPTY=":                       "EMPTY=",
		"Q='a b # c $d'":               "Q=a b # c $d",
		`D="a \"b\" \$c \\ \x"`:        `D=a "b" $c \ \x`,
		`MIX='a'"b"c`:                  "MIX=abc",
		"C=bar # a comment":            "C=bar",
		`E=a\ b`:                       "E=a b",
		"_X1=1":                        "_X1=1",
		"exported=1":                   "exported=1",
		`DAEMON_OPTS="-c /etc/x.conf"`: "DAEMON_OPTS=-c /etc/x.conf",
	} {
		got, ok, err := parseEnvLine(line)
		if got != want || !ok || err != nil {
			t.Errorf("parseEnvLine(%q) = %q, %t, %v; want %q", line, got, ok, err, want)
		}
	}
	for _, line := range []string{"", "   ", "# FOO=bar", "  # x"} {
		if got, ok, err := parseEnvLine(line); ok || err != nil {
			t.Errorf("parseEnvLine(%q) = %q, %t, %v; want nothing", line, got, ok, err)
		}
	}
	for _, line := range []string{
		"not a setting", "=x", "1FOO=x", "FO-O=x", "export", "export =x",
		"Q='open", `D="open`, "P=$PATH:/x", `P="$HOME/x"`, "C=`id`", "S=a b",
	} {
		if got, ok, err := parseEnvLine(line); err == nil {
			t.Errorf("parseEnvLine(%q) = %q, %t; want an error", line, got, ok)
		}
	}
}
