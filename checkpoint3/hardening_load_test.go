package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hardNofileEnv, in a lisod child's environment, is the open-file limit
// the child sets itself before main runs. Both limits are lowered: Go
// raises the soft limit to the hard one at start-up, so lowering only the
// soft limit (as a shell's "ulimit -S -n" does) would be undone.
const hardNofileEnv = "LISO_TEST_NOFILE"

// init runs before TestMain, so in a lisod child it runs before lisod's
// main: the child starts with the limit in place, as if launched from a
// shell that ran "ulimit -n N". (The test process itself has run its init
// long before a test sets the variable for its child.)
func init() {
	if n, err := strconv.ParseUint(os.Getenv(hardNofileEnv), 10, 64); err == nil {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			fmt.Fprintln(os.Stderr, "lowering RLIMIT_NOFILE:", err)
			os.Exit(2)
		}
	}
}

// Many connections and descriptor exhaustion are lisocheck's checks
// (robust/many-connections, robust/descriptor-exhaustion), which
// TestLisocheck runs against lisod. What stays here is lisod's log of the
// starvation, which a check cannot ask of every server.

// TestDescriptorExhaustion runs lisod with at most 64 open files and
// opens connections until accept fails. lisod must log the failure, and
// log few retries: it backs off instead of spinning, and it still runs.
func TestDescriptorExhaustion(t *testing.T) {
	t.Setenv(hardNofileEnv, "64") // the child inherits the test's environment
	// A long header timeout, so that lisod keeps the idle connections
	// until the test closes them, rather than freeing descriptors itself.
	f := startHardened(t, hardSite(t), "--header-timeout", "60s", "--idle-timeout", "60s")
	pid := f.Cmd.Process.Pid
	if soft, hard := nofile(t, pid); soft != "64" || hard != "64" {
		t.Fatalf("lisod runs with an open-file limit of %s (hard %s); want 64", soft, hard)
	}
	t.Logf("lisod holds %d descriptors before the attack", hardFDs(t, pid))

	// 100 idle connections: more than lisod can hold. The kernel
	// completes the handshakes of the ones lisod cannot accept and keeps
	// them in the listen queue.
	slowDial(t, f.http, 100) // closed when the test ends
	const failed = "accept failed; retrying"
	if !hardPoll(10*time.Second, func() bool { return strings.Contains(f.Stderr(), "too many open files") }) {
		t.Fatalf("lisod never logged running out of descriptors; it holds %d; stderr:\n%s", hardFDs(t, pid), hardTail(f.Stderr(), 4000))
	}
	exhausted := time.Now()
	t.Logf("lisod holds %d descriptors, the most it may", hardFDs(t, pid))

	// While starved, lisod backs off: a second later it has retried only
	// a few times (the wait doubles up to a second), not thousands.
	time.Sleep(time.Second) // the span over which retries are counted, not synchronisation
	retries := strings.Count(f.Stderr(), failed)
	t.Logf("%d accept failures logged in the first %v of starvation", retries, time.Since(exhausted).Round(time.Millisecond))
	if retries > 20 {
		t.Errorf("lisod logged %d failed accepts within about a second: it spins instead of backing off", retries)
	}
	hardHealthy(t, f)
}

// nofile reads a process's open-file limits from /proc.
func nofile(t *testing.T, pid int) (soft, hard string) {
	t.Helper()
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	hardMust(t, err)
	for line := range strings.SplitSeq(string(limits), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			if f := strings.Fields(rest); len(f) >= 2 {
				return f[0], f[1]
			}
		}
	}
	t.Fatalf("no open-file limit in /proc/%d/limits:\n%s", pid, limits)
	return "", ""
}
