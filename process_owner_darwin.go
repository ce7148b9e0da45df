package pidfile

import "golang.org/x/sys/unix"

// processRunsAs reports whether process pid runs as user uid alone: its
// real, effective and saved user IDs are all uid. known is false when that
// could not be told.
func processRunsAs(pid int, uid uint32) (runs, known bool) {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil || int(k.Proc.P_pid) != pid {
		return false, false
	}
	cred := k.Eproc.Pcred
	return cred.P_ruid == uid && cred.P_svuid == uid && k.Eproc.Ucred.Uid == uid, true
}
