package suite

// What a daemon's checks read of a process they did not start as a child
// and cannot wait for: Linux's /proc, the way ps and lsof see it.

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// procStat is what setsid(2) changes in /proc/PID/stat.
type procStat struct {
	PGrp    int // process group
	Session int // session id: the pid of the session's leader
	TTY     int // controlling terminal, 0 for none
}

// readProcStat reads pid's process group, session and terminal.
func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// "pid (comm) state ppid pgrp session tty_nr ...": comm may hold
	// spaces and parentheses, so the fields are counted from the last ')'.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 5 {
		return procStat{}, fmt.Errorf("/proc/%d/stat is short: %q", pid, data)
	}
	var st procStat
	for i, p := range []*int{&st.PGrp, &st.Session, &st.TTY} {
		if *p, err = strconv.Atoi(f[2+i]); err != nil {
			return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
	}
	return st, nil
}

// statusField is the value of one "Name:\tvalue" line of /proc/PID/status,
// and false when the kernel does not show that line.
func statusField(pid int, name string) (string, bool, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", false, err
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v), true, nil
		}
	}
	return "", false, nil
}

// catches reports whether pid has a handler for sig, from the SigCgt mask
// of /proc/PID/status; ok is false when that cannot be read.
func catches(pid int, sig syscall.Signal) (caught, ok bool) {
	v, found, err := statusField(pid, "SigCgt")
	if err != nil || !found {
		return false, false
	}
	mask, err := strconv.ParseUint(v, 16, 64)
	if err != nil {
		return false, false
	}
	return mask&(1<<(uint(sig)-1)) != 0, true
}

// openFiles maps each of pid's descriptors to what it is open on: a path,
// or "socket:[INODE]", "pipe:[INODE]", ...
func openFiles(pid int) (map[int]string, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fds := map[int]string{}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// A descriptor closed since ReadDir is simply left out.
		if target, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil {
			fds[fd] = target
		}
	}
	return fds, nil
}

// describeFiles lists descriptors in order, one "fd -> target" a line.
func describeFiles(fds map[int]string) string {
	var b strings.Builder
	for _, fd := range slices.Sorted(maps.Keys(fds)) {
		fmt.Fprintf(&b, "%d -> %s\n", fd, fds[fd])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// listeningSockets are the "socket:[INODE]" names of the TCP sockets that
// listen on port, on any local address, from /proc/net/tcp and tcp6.
func listeningSockets(port int) (map[string]bool, error) {
	const listen = "0A" // TCP_LISTEN, as /proc/net/tcp writes the state
	found := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			if os.IsNotExist(err) { // a kernel without IPv6
				continue
			}
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // the heading
		for sc.Scan() {
			// "sl local_address rem_address st ... uid timeout inode ..."
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != listen {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil && int(p) == port {
				found["socket:["+fields[9]+"]"] = true
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", table, err)
		}
	}
	return found, nil
}

// listeners are the processes among pids that hold a socket listening on
// port, and nil when /proc/net/tcp shows no such socket at all (a server
// in another network namespace): then nobody can tell.
func listeners(port int, pids []int) []int {
	sockets, err := listeningSockets(port)
	if err != nil || len(sockets) == 0 {
		return nil
	}
	holders := []int{}
	for _, pid := range pids {
		fds, _ := openFiles(pid)
		for _, target := range fds {
			if sockets[target] {
				holders = append(holders, pid)
				break
			}
		}
	}
	return holders
}
