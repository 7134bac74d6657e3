package daemon

import (
	"os"
	"strconv"
	"syscall"
)

// closeStrayFiles marks every descriptor above stderr close-on-exec, so
// that the daemon starts with only what Detach hands it: this is the
// course's "close all descriptors" loop.
//
// A C daemon must close everything because fork copies every descriptor.
// exec keeps only the descriptors without the close-on-exec flag, and Go
// opens every file, socket and pipe with that flag set. So the only
// descriptors that would reach the daemon uninvited are the ones this
// process inherited without the flag from whoever started it (a shell's
// `exec 7>file`, a careless parent). They are flagged here. The ExtraFiles
// that Detach passes are flagged too, harmlessly: the child duplicates them
// into place after fork, and the copies it makes lose the flag.
func closeStrayFiles() {
	for _, fd := range openFDs() {
		if fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}

// maxFDScan bounds the fallback scan when the limit is "unlimited".
const maxFDScan = 1 << 16

// openFDs lists this process's open descriptors, from /proc/self/fd on
// Linux or /dev/fd elsewhere; failing both, it returns every number below
// the descriptor limit (at most maxFDScan), as the course's getdtablesize()
// loop does.
func openFDs() []int {
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		fds := make([]int, 0, len(entries))
		for _, e := range entries {
			if fd, err := strconv.Atoi(e.Name()); err == nil {
				fds = append(fds, fd)
			}
		}
		return fds
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil
	}
	n := int(min(lim.Cur, maxFDScan))
	fds := make([]int, 0, n)
	for fd := range n {
		fds = append(fds, fd)
	}
	return fds
}
