package main

// run -user: who CMD runs as.

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// account is the user that -user names.
type account struct {
	name, home string
	uid, gid   int
	groups     []int // supplementary
}

// lookupAccount resolves USER[:GROUP], by name or number.
func lookupAccount(spec string) (*account, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("only root may execute a command as another user")
	}
	name, group, withGroup := strings.Cut(spec, ":")
	u, err := lookup(name, user.LookupId, user.Lookup)
	if err != nil {
		return nil, fmt.Errorf("unknown user %q: %w", name, err)
	}
	a := &account{name: u.Username, home: u.HomeDir}
	a.uid, err = strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("user %q has no numeric UID", name)
	}
	gid := u.Gid
	if withGroup {
		g, err := lookup(group, user.LookupGroupId, user.LookupGroup)
		if err != nil {
			return nil, fmt.Errorf("unknown group %q: %w", group, err)
		}
		gid = g.Gid
	}
	if a.gid, err = strconv.Atoi(gid); err != nil {
		return nil, fmt.Errorf("group %q has no numeric GID", gid)
	}
	// The supplementary groups are USER's, with GROUP in place of its
	// primary group, as initgroups(3) makes them.
	ids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("groups of %q: %v", name, err)
	}
	for _, id := range ids {
		if id == u.Gid {
			id = gid
		}
		if n, err := strconv.Atoi(id); err == nil {
			a.groups = append(a.groups, n)
		}
	}
	return a, nil
}

// lookup finds a user or group by number if s is one, else by name. A
// number is an ID from 0 to 4294967294 (2^32 - 2): beyond it, the system's
// look-up may cut it to 32 bits (4294967296 is 0, root), and 2^32 - 1 is
// (uid_t)-1, "no change" to setuid(2).
func lookup[T any](s string, byID, byName func(string) (T, error)) (T, error) {
	digits := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return byName(s)
	}
	if n, err := strconv.ParseUint(s, 10, 32); err != nil || n == 1<<32-1 {
		var zero T
		return zero, fmt.Errorf("%q: an ID must be a number from 0 to 4294967294", s)
	}
	return byID(s)
}

// environ is env with HOME, USER and LOGNAME set for a.
func (a *account) environ(env []string) []string {
	var out []string
	for _, kv := range env {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "HOME", "USER", "LOGNAME":
		default:
			out = append(out, kv)
		}
	}
	return append(out, "HOME="+a.home, "USER="+a.name, "LOGNAME="+a.name)
}
