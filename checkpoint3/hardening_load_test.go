package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// TestDescriptorExhaustion runs lisod with at most 64 open files and
// opens connections until accept fails. lisod must keep running, log the
// failure, back off instead of spinning, and serve again once clients
// close their connections.
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
	conns := slowDial(t, f.http, 100)
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

	// Descriptors come back: lisod serves again within its longest
	// back-off (1 s), and every queued connection is accepted and closed.
	for _, sc := range conns {
		sc.c.Close()
	}
	freed := time.Now()
	var a hardReply
	if !hardPoll(10*time.Second, func() bool {
		var err error
		a, _, err = hardGet(f.http, "/second.txt", 3*time.Second)
		return err == nil
	}) {
		t.Fatalf("lisod did not serve again after descriptors were freed; stderr:\n%s", hardTail(f.Stderr(), 4000))
	}
	t.Logf("served again %v after the clients closed", time.Since(freed).Round(time.Millisecond))
	if a.status != 200 || a.body != hardSecond {
		t.Errorf("after recovering: %d %q; want 200 %q", a.status, a.body, hardSecond)
	}
	if !hardPoll(10*time.Second, func() bool { return hardFDs(t, pid) < 30 }) {
		t.Errorf("lisod still holds %d descriptors after every client closed", hardFDs(t, pid))
	}
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

// TestTenThousandConnections opens 10,000 connections to lisod (its
// default cap), sends a request on each while all are open, and reads
// every answer: none may fail. Skipped with -short.
func TestTenThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 connections take a few seconds; skipped with -short")
	}
	const n = 10000
	hardNeedFiles(t, n)
	f := startHardened(t, hardSite(t), "--header-timeout", "60s", "--idle-timeout", "60s")
	pid := f.Cmd.Process.Pid
	before := hardRSS(t, pid)
	start := time.Now()

	conns := make([]net.Conn, n)
	var failures atomic.Int64
	var firstErr sync.Once
	fail := func(i int, err error) {
		failures.Add(1)
		firstErr.Do(func() { t.Errorf("connection %d: %v", i, err) })
	}
	// A few workers share the connections: the test should not need a
	// goroutine per connection to play 10,000 clients.
	work := func(do func(i int)) {
		var wg sync.WaitGroup
		const workers = 64
		for w := range workers {
			wg.Go(func() {
				for i := w; i < n; i += workers {
					do(i)
				}
			})
		}
		wg.Wait()
	}
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	work(func(i int) {
		c, err := net.DialTimeout("tcp", f.http, 20*time.Second)
		if err != nil {
			fail(i, err)
			return
		}
		c.SetDeadline(time.Now().Add(60 * time.Second))
		conns[i] = c
	})
	dialed := time.Since(start)
	work(func(i int) {
		if conns[i] == nil {
			return
		}
		if _, err := io.WriteString(conns[i], "GET /second.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
			fail(i, err)
		}
	})
	work(func(i int) {
		if conns[i] == nil {
			return
		}
		a, err := hardRead(bufio.NewReader(conns[i]), "GET")
		switch {
		case err != nil:
			fail(i, err)
		case a.status != 200 || a.body != hardSecond:
			fail(i, fmt.Errorf("got %d %q", a.status, a.body))
		}
	})
	held := hardFDs(t, pid) // every connection is still open here
	t.Logf("%d connections: dialed in %v, all answered after %v; lisod held %d descriptors, RSS %d MiB -> %d MiB",
		n, dialed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), held, before>>10, hardRSS(t, pid)>>10)
	if got := failures.Load(); got != 0 {
		for _, l := range strings.Split(f.Stderr(), "\n") {
			if !strings.Contains(l, "\" 200 ") && l != "" {
				t.Log("lisod log:", l) // what lisod said about the failures
			}
		}
		t.Errorf("%d of %d connections failed; want none", got, n)
	}
	if held < n {
		t.Errorf("lisod held %d descriptors with every connection open; want at least %d (were they simultaneous?)", held, n)
	}
}
