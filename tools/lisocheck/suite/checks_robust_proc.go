package suite

// What the robustness checks read about a server lisocheck started, from
// /proc: its resident memory, its open descriptors, its CPU time and its
// open-file limit; and how they start servers of their own.

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// getWithin sends one "Connection: close" GET for path and reads the
// answer; the whole exchange must end within limit.
func getWithin(addr, path string, limit time.Duration) (Reply, string, error) {
	raw := "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	c, err := Dial(addr)
	if err != nil {
		return Reply{}, raw, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(limit))
	if _, err := io.WriteString(c, raw); err != nil {
		return Reply{}, raw, err
	}
	r, err := ReadReply(bufio.NewReader(c), "GET")
	return r, raw, err
}

// memoryBefore is the pid of the server lisocheck started and its
// resident memory now; 0, 0 when the server was given by address.
func memoryBefore(c *C) (pid int, rss int64) {
	if c.Server == nil {
		return 0, 0
	}
	pid, err := c.Server.Pid()
	if err != nil {
		return 0, 0
	}
	rss, _ = residentBytes(pid)
	return pid, rss
}

// checkMemory logs how much the server's memory grew during an attack,
// and fails c when that is more than Target.MemoryLimit.
func checkMemory(c *C, during string, pid int, before, peak int64) {
	if pid == 0 || before == 0 {
		return
	}
	c.Logf("the server's resident memory: %d MiB before %s, at most %d MiB during it", before>>20, during, peak>>20)
	if c.MemoryLimit > 0 && peak-before > c.MemoryLimit {
		c.Fail(Errorf("the server's resident memory grew by %d MiB during %s; want at most %d MiB", (peak-before)>>20, during, c.MemoryLimit>>20))
	}
}

// residentBytes reads a process's resident memory (VmRSS) from /proc; 0
// when pid is 0 or gone.
func residentBytes(pid int) (int64, error) {
	if pid == 0 {
		return 0, nil
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kib << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// countFiles counts a process's open descriptors.
func countFiles(pid int) (int, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)) // no readlink each: a server may hold 10,000
	return len(ents), err
}

// clockTick is the unit of /proc/PID/stat's CPU times: USER_HZ, 100 on
// every Linux architecture lisocheck runs on.
const clockTick = 10 * time.Millisecond

// cpuTime is the CPU time a process has used, user and system.
func cpuTime(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// After the command name in parentheses: state (field 3), ..., utime
	// (field 14), stime (field 15).
	_, rest, _ := strings.Cut(string(stat), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat is short: %q", pid, stat)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q", pid, f[11], f[12])
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// fileLimit is a process's open-file limit, soft and hard, from
// /proc/PID/limits ("unlimited" is -1).
func fileLimit(pid int) (soft, hard int64, err error) {
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(string(limits), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			if f := strings.Fields(rest); len(f) >= 2 {
				return limitValue(f[0]), limitValue(f[1]), nil
			}
		}
	}
	return 0, 0, fmt.Errorf("no open-file limit in /proc/%d/limits", pid)
}

func limitValue(s string) int64 {
	if s == "unlimited" {
		return -1
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// launchOwn starts cmd for a check that needs a server of its own: new
// ports, lock and log in dir, a key and certificate issued there, and the
// site's www folder and CGI script. It waits until the server listens and
// for a launcher that daemonizes to exit, so that Pid is the serving
// process; foreground says whether the launched process is that server
// (it did not daemonize). The caller stops the server.
func launchOwn(c *C, cmd *Command, dir string) (s *Server, foreground bool) {
	f, err := ScratchFiles(dir)
	if err != nil {
		c.Fatal(Errorf("choosing the server's files: %v", err))
	}
	f.WWW, f.CGI = c.Site.WWW, c.Site.CGIScript
	if _, err := IssuePair(filepath.Join(dir, "ca"), f.Key, f.Cert); err != nil {
		c.Fatal(Errorf("%v", err))
	}
	if s, err = launchReady(cmd, f); err != nil {
		c.Fatal(Errorf("%v", err))
	}
	if !s.WaitLauncher(LauncherLimit) {
		return s, true
	}
	if _, code, _ := s.Launcher(); code != 0 {
		s.Stop(time.Second)
		c.Fatal(Errorf("the launcher exited with code %d once the server listened; its output:\n%s", code, Shorten(s.Output(), 2000)))
	}
	return s, false
}
