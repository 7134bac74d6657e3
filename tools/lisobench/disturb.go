package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of CPU times in /proc (USER_HZ): 100 per second
// on every Linux architecture Go runs on.
const clockTick = 10 * time.Millisecond

// cpuBusy reads how much CPU time all cores have spent running programs
// since boot, from the first line of /proc/stat: "cpu user nice system
// idle iowait irq softirq steal ...". Steal counts: a hypervisor that
// gives the core to another guest disturbs the run as much as a program
// does. Interrupt time does not: loopback traffic is processed there,
// and charged to no process, so the benchmark's own packets would look
// like another program's work.
func cpuBusy() (time.Duration, error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseCPUBusy(string(stat))
}

// parseCPUBusy does cpuBusy's parsing.
func parseCPUBusy(stat string) (time.Duration, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat starts with %q; want the cpu line", line)
	}
	var busy int64
	for _, i := range []int{1, 2, 3, 8} { // user nice system steal
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		busy += n
	}
	return time.Duration(busy) * clockTick, nil
}

// processCPU reads the CPU time a process has used, with that of the
// children it has waited for (a CGI script), from /proc/PID/stat.
func processCPU(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcessCPU(string(stat))
}

// parseProcessCPU sums utime, stime, cutime and cstime, fields 14 to 17
// of /proc/PID/stat, counted after the command name in parentheses.
func parseProcessCPU(stat string) (time.Duration, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("/proc/PID/stat without a command name")
	}
	f := strings.Fields(stat[end+1:]) // f[0] is field 3, the state
	if len(f) < 15 {
		return 0, fmt.Errorf("/proc/PID/stat has %d fields after the name; want at least 15", len(f))
	}
	var ticks int64
	for _, s := range f[11:15] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/PID/stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// cpu is the CPU time of a server and its children (nginx's worker).
func (s *server) cpu() time.Duration {
	var total time.Duration
	for _, pid := range append([]int{s.cmd.Process.Pid}, children(s.cmd.Process.Pid)...) {
		if t, err := processCPU(pid); err == nil {
			total += t
		}
	}
	return total
}

// disturbedCores is the share of a core other programs may take during a
// run before the report marks the run as disturbed.
const disturbedCores = 0.25

// cpuMeter takes the readings a disturbance is computed from.
type cpuMeter struct {
	start      time.Time
	busy, srvr time.Duration
	ok         bool
}

// startMeter reads the clocks before a run.
func startMeter(s *server) cpuMeter {
	busy, err := cpuBusy()
	return cpuMeter{start: time.Now(), busy: busy, srvr: s.cpu(), ok: err == nil}
}

// stop reads the clocks after the run, given the CPU time the load
// generator used, and returns how much CPU other programs took meanwhile
// (all the machine's busy time less the server's and the load
// generator's) and how much the server took, both over the run's wall
// time, in cores. A server that was busy well below one core did not set
// the run's number: the load generator, or the kernel, did. Either is NaN
// if a clock could not be read.
func (m cpuMeter) stop(s *server, load time.Duration) (others, server float64) {
	busy, err := cpuBusy()
	wall := time.Since(m.start)
	if wall <= 0 {
		return math.NaN(), math.NaN()
	}
	srvr := s.cpu() - m.srvr
	server = srvr.Seconds() / wall.Seconds()
	if !m.ok || err != nil {
		return math.NaN(), server
	}
	rest := (busy - m.busy) - srvr - load
	// The clocks tick in hundredths and are read at slightly different
	// moments: a small negative remainder means none.
	return max(0, rest.Seconds()/wall.Seconds()), server
}
