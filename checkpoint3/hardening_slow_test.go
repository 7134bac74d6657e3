package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The slow-client tests run an attack against a live lisod and, all the
// while, a normal client (a probe) that must keep getting answers within
// a second; they read lisod's memory from /proc and check that the slow
// clients are cut at the configured timeouts (hardTimeouts: 2 s).
const (
	slowProbeLimit = time.Second // the bound on a normal client's exchange
	// slowCutSlack is how long after its timeout a slow client may still be
	// connected: timers and a busy 2-core machine under -race.
	slowCutSlack = 2 * time.Second
	// slowRSSLimit bounds how much lisod's resident memory (KiB) may grow
	// during an attack. Measured: about 16 MiB for 1,000 slowloris
	// connections, and 115 MiB under the race detector, which multiplies
	// memory use; the limits leave room above both.
	slowRSSLimit     = 64 << 10
	slowRSSLimitRace = 320 << 10
)

// slowProbe is the normal client: it fetches a small file, one exchange after
// another, until stop is closed, and samples lisod's memory as it goes.
type slowProbe struct {
	addr string
	pid  int

	mu       sync.Mutex
	n        int           // exchanges done; guarded by mu
	slowest  time.Duration // guarded by mu
	failures []string      // guarded by mu
	peakRSS  int           // KiB; guarded by mu
}

// startSlowProbe starts the probe; stop ends it and waits for it.
func startSlowProbe(f *foreground) (p *slowProbe, stop func()) {
	p = &slowProbe{addr: f.http, pid: f.Cmd.Process.Pid}
	done, quit := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(25 * time.Millisecond) // pacing, so the probe does not hog a core
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			a, took, err := hardGet(p.addr, "/second.txt", slowProbeLimit)
			if err != nil {
				err = fmt.Errorf("%w (load average %s)", err, slowLoadAverage())
			}
			rss := slowRSS(p.pid)
			p.mu.Lock()
			p.n++
			p.slowest = max(p.slowest, took)
			p.peakRSS = max(p.peakRSS, rss)
			switch {
			case err != nil:
				p.failures = append(p.failures, fmt.Sprintf("after %v: %v", took.Round(time.Millisecond), err))
			case a.status != 200 || a.body != hardSecond:
				p.failures = append(p.failures, fmt.Sprintf("got %d %q", a.status, a.body))
			}
			p.mu.Unlock()
		}
	}()
	return p, func() { close(quit); <-done }
}

// check fails t if the probe had a failure or was never able to run.
func (p *slowProbe) check(t *testing.T, during string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	t.Logf("during %s: %d normal exchanges, slowest %v; lisod's peak RSS %d MiB", during, p.n, p.slowest.Round(time.Millisecond), p.peakRSS>>10)
	if p.n < 5 {
		t.Errorf("during %s the normal client completed only %d exchanges", during, p.n)
	}
	for _, f := range p.failures {
		t.Errorf("during %s a normal client's exchange failed (limit %v): %s", during, slowProbeLimit, f)
	}
}

// slowLoadAverage is the machine's load, for a failure message: a probe that
// timed out on a machine busy with other work says so.
func slowLoadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

// slowRSS is hardRSS for a goroutine that cannot fail the test.
func slowRSS(pid int) int {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	var kib int
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fmt.Sscanf(v, "%d", &kib)
		}
	}
	return kib
}

// slowClient is one attacking connection and what became of it.
type slowClient struct {
	c       *net.TCPConn
	started time.Time // when the part of the request the timeout covers began
	closed  time.Time // when lisod closed the connection
	got     string    // what lisod sent before closing
	err     error
}

// slowDial opens n connections to addr, a few at a time, so that the
// listen backlog never overflows.
func slowDial(t *testing.T, addr string, n int) []*slowClient {
	t.Helper()
	conns := make([]*slowClient, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	errs := make(chan error, n)
	for i := range conns {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				errs <- err
				return
			}
			conns[i] = &slowClient{c: c.(*net.TCPConn)}
		})
	}
	wg.Wait()
	close(errs)
	for _, c := range conns {
		if c != nil {
			t.Cleanup(func() { c.c.Close() })
		}
	}
	for err := range errs {
		t.Fatalf("dialing %d connections: %v", n, err)
	}
	return conns
}

// slowReadToEnd reads from every connection until lisod closes it,
// recording when, and returns once all are closed (or hangGuard passes).
func slowReadToEnd(conns []*slowClient) {
	var wg sync.WaitGroup
	for _, sc := range conns {
		wg.Go(func() {
			sc.c.SetReadDeadline(time.Now().Add(hangGuard))
			b, err := io.ReadAll(sc.c)
			sc.closed, sc.got = time.Now(), string(b)
			if err != nil && !hardClosed(err) {
				sc.err = err
			}
		})
	}
	wg.Wait()
}

// checkSlowCut fails t unless every connection was closed by lisod within
// timeout (plus slowCutSlack) of its start, after an answer with wantStatus.
func checkSlowCut(t *testing.T, what string, conns []*slowClient, timeout time.Duration, wantStatus string) {
	t.Helper()
	var longest time.Duration
	bad := 0
	for i, sc := range conns {
		held := sc.closed.Sub(sc.started)
		longest = max(longest, held)
		switch {
		case sc.err != nil:
			t.Errorf("%s %d: not closed by lisod: %v", what, i, sc.err)
		case held > timeout+slowCutSlack:
			t.Errorf("%s %d: closed %v after it began; want about %v", what, i, held.Round(time.Millisecond), timeout)
		case held < timeout-100*time.Millisecond:
			t.Errorf("%s %d: closed after only %v; the timeout is %v", what, i, held.Round(time.Millisecond), timeout)
		case wantStatus != "" && !strings.HasPrefix(sc.got, "HTTP/1.1 "+wantStatus+" "):
			bad++
			if bad <= 3 {
				t.Errorf("%s %d: lisod sent %.60q before closing; want a %s answer", what, i, sc.got, wantStatus)
			}
		}
		if t.Failed() && i > 5 {
			break // one failure says it; a thousand bury it
		}
	}
	t.Logf("%d %s connections cut; the longest was held %v (timeout %v)", len(conns), what, longest.Round(time.Millisecond), timeout)
}

// TestSlowloris: 1,000 connections each send a header byte every 400 ms
// and never finish the head. lisod answers each 408 and closes it
// HeaderTimeout (2 s) after its first byte, while a normal client is
// served within a second and memory stays bounded.
func TestSlowloris(t *testing.T) {
	hardNeedFiles(t, 1000)
	f := startHardened(t, hardSite(t))
	before := hardRSS(t, f.Cmd.Process.Pid)
	conns := slowDial(t, f.http, 1000)
	p, stopProbe := startSlowProbe(f)

	head := "GET / HTTP/1.1\r\nHost: localhost\r\n" + strings.Repeat("X-Slow: loris\r\n", 100)
	for _, sc := range conns {
		sc.started = time.Now()
		sc.c.Write([]byte(head[:1]))
	}
	// The attacker: one more header byte on every connection, every
	// 400 ms, until lisod has closed them all. Write errors mean lisod
	// closed that one; it is skipped afterwards.
	stopDrip := make(chan struct{})
	dripped := make(chan struct{})
	go func() {
		defer close(dripped)
		tick := time.NewTicker(400 * time.Millisecond)
		defer tick.Stop()
		open := make([]bool, len(conns))
		for i := range open {
			open[i] = true
		}
		for i := 1; ; i++ {
			select {
			case <-stopDrip:
				return
			case <-tick.C:
			}
			for j, sc := range conns {
				if open[j] {
					sc.c.SetWriteDeadline(time.Now().Add(time.Second))
					_, err := sc.c.Write([]byte{head[i%len(head)]})
					open[j] = err == nil
				}
			}
		}
	}()
	slowReadToEnd(conns)
	close(stopDrip)
	<-dripped
	stopProbe()

	checkSlowCut(t, "slowloris", conns, 2*time.Second, "408")
	p.check(t, "slowloris")
	checkSlowRSS(t, "slowloris", before, p.peakRSS)
}

// TestSlowPOST: 200 clients send a POST head promising 100,000 bytes and
// then stall (half of them) or trickle a byte every 400 ms (the other
// half, R-U-D-Y). Each is answered 408 and closed at BodyTimeout (2 s)
// after its head; the trickle is cut too, because lisod wants a minimum
// average rate on top of the per-read timeout.
func TestSlowPOST(t *testing.T) {
	f := startHardened(t, hardSite(t))
	before := hardRSS(t, f.Cmd.Process.Pid)
	conns := slowDial(t, f.http, 200)
	p, stopProbe := startSlowProbe(f)

	head := "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n0123456789"
	for _, sc := range conns {
		sc.started = time.Now()
		if _, err := io.WriteString(sc.c, head); err != nil {
			t.Fatal(err)
		}
	}
	stopDrip := make(chan struct{})
	dripped := make(chan struct{})
	go func() {
		defer close(dripped)
		tick := time.NewTicker(400 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopDrip:
				return
			case <-tick.C:
			}
			for _, sc := range conns[:len(conns)/2] {
				sc.c.SetWriteDeadline(time.Now().Add(time.Second))
				sc.c.Write([]byte("x"))
			}
		}
	}()
	slowReadToEnd(conns)
	close(stopDrip)
	<-dripped
	stopProbe()

	checkSlowCut(t, "trickling POST", conns[:len(conns)/2], 2*time.Second, "408")
	checkSlowCut(t, "stalled POST", conns[len(conns)/2:], 2*time.Second, "408")
	p.check(t, "slow POST")
	checkSlowRSS(t, "slow POST", before, p.peakRSS)
}

// TestSlowReaders: 20 clients ask for a 16 MiB file and stop reading after
// its first bytes. lisod gives up on each at WriteTimeout (2 s), logs the
// cut answer, and keeps serving others; the file goes out by sendfile(2),
// so a stuck reader holds no buffer in lisod.
func TestSlowReaders(t *testing.T) {
	www := hardSite(t)
	big := make([]byte, 16<<20)
	for i := range big {
		big[i] = byte(i)
	}
	hardMust(t, os.WriteFile(filepath.Join(www, "big.bin"), big, 0o644))
	f := startHardened(t, www)
	before := hardRSS(t, f.Cmd.Process.Pid)
	conns := slowDial(t, f.http, 20)
	p, stopProbe := startSlowProbe(f)

	start := time.Now()
	for _, sc := range conns {
		sc.c.SetReadBuffer(64 << 10) // a small window: the stall reaches lisod sooner
		io.WriteString(sc.c, "GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
		sc.c.SetReadDeadline(time.Now().Add(hangGuard))
		if _, err := bufio.NewReader(sc.c).Peek(1); err != nil { // the answer began; now stop reading
			t.Fatal(err)
		}
	}
	// lisod logs each answer when it ends: here, when it gives up.
	logged := func() bool { return strings.Count(f.Stderr(), `"GET /big.bin HTTP/1.1" 200`) == len(conns) }
	if !hardPoll(2*time.Second+slowCutSlack+time.Second, logged) {
		t.Errorf("after %v lisod had ended %d of %d stalled answers; want all, at WriteTimeout (2s)",
			time.Since(start).Round(time.Millisecond), strings.Count(f.Stderr(), `"GET /big.bin HTTP/1.1" 200`), len(conns))
	}
	t.Logf("%d stalled readers cut after %v", len(conns), time.Since(start).Round(time.Millisecond))
	stopProbe()
	p.check(t, "slow readers")
	checkSlowRSS(t, "slow readers", before, p.peakRSS)

	// What the readers get when they wake up: part of the file, then the
	// end of the connection, never a whole answer.
	for i, sc := range conns {
		n, err := io.Copy(io.Discard, sc.c)
		if err != nil && !hardClosed(err) {
			t.Errorf("reader %d: %v", i, err)
		}
		if n >= int64(len(big)) {
			t.Errorf("reader %d got %d bytes: the whole file, although it stalled past the timeout", i, n)
		}
	}
}

// checkSlowRSS fails t if lisod's memory grew more than its limit.
func checkSlowRSS(t *testing.T, during string, before, peak int) {
	t.Helper()
	t.Logf("lisod's RSS: %d MiB before %s, peak %d MiB during it", before>>10, during, peak>>10)
	limit := slowRSSLimit
	if hardRace {
		limit = slowRSSLimitRace
	}
	if peak-before > limit {
		t.Errorf("lisod's RSS grew by %d MiB during %s; want at most %d MiB", (peak-before)>>10, during, limit>>10)
	}
}
