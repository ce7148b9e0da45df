package main

// -env-file: NAME=VALUE lines as /etc/default files hold them for sh, read
// without a shell.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// readEnvFile reads an -env-file as /etc/default files are written for sh:
// NAME=VALUE lines, "export " before them allowed, # comments and blank
// lines skipped, a VALUE in single quotes (as it is) or double quotes (\\,
// \", \$ and \` escaped), or bare (a backslash escapes the next
// character; a # after a blank starts a comment). What sh would expand or
// split ($, `, a bare blank) cannot be read without a shell, and is refused
// with the line's number, as is any other line. The file must be one that
// only root or this user could have written.
func readEnvFile(path string) ([]string, error) {
	b, err := readTrusted(path)
	if err != nil {
		return nil, fmt.Errorf("-env-file: %w", err)
	}
	var kvs []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		kv, ok, err := parseEnvLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("-env-file %s: line %d: %v", path, n, err)
		}
		if ok {
			kvs = append(kvs, kv)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("-env-file %s: %w", path, err)
	}
	return kvs, nil
}

// parseEnvLine parses one line of an -env-file (readEnvFile): NAME=VALUE,
// or false for a blank line or a comment.
func parseEnvLine(line string) (string, bool, error) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return "", false, nil
	}
	if rest, ok := strings.CutPrefix(line, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
		line = strings.TrimLeft(rest, " \t")
	}
	name, raw, ok := strings.Cut(line, "=")
	if !ok || !validName(name) {
		return "", false, errors.New("want NAME=VALUE (NAME: letters, digits and _, not first a digit), with export before it or not")
	}
	var value strings.Builder
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == '\'':
			end := strings.IndexByte(raw[i+1:], '\'')
			if end < 0 {
				return "", false, errors.New("a single quote is not closed")
			}
			value.WriteString(raw[i+1 : i+1+end])
			i += end + 2
		case c == '"':
			i++
			for ; i < len(raw) && raw[i] != '"'; i++ {
				switch {
				case raw[i] == '\\' && i+1 < len(raw) && strings.IndexByte("\\\"$`", raw[i+1]) >= 0:
					i++
				case raw[i] == '$' || raw[i] == '`':
					return "", false, errors.New("$ and ` would be expanded by sh, and are not here: escape them (\\$), or use single quotes")
				}
				value.WriteByte(raw[i])
			}
			if i == len(raw) {
				return "", false, errors.New("a double quote is not closed")
			}
			i++
		case c == ' ' || c == '\t':
			if rest := strings.TrimLeft(raw[i:], " \t"); rest != "" && rest[0] != '#' {
				return "", false, errors.New("a blank in a value must be quoted")
			}
			i = len(raw) // the rest is a comment
		case c == '$' || c == '`':
			return "", false, errors.New("$ and ` would be expanded by sh, and are not here: escape them (\\$), or use single quotes")
		case c == '\\' && i+1 < len(raw):
			value.WriteByte(raw[i+1])
			i += 2
		default:
			value.WriteByte(c)
			i++
		}
	}
	return name + "=" + value.String(), true, nil
}

// validName reports whether s is a name that sh can assign.
func validName(s string) bool {
	for i, c := range s {
		if c != '_' && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}
