package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The slow-client attacks at full size, with a normal client beside them,
// are lisocheck's checks (robust/slowloris, robust/slow-post,
// robust/slow-post-trickle, robust/slow-readers), which TestLisocheck
// runs against lisod. A check cannot ask every server for lisod's own
// timings; this file holds lisod to them.

// slowCutSlack is how long after its timeout a slow client may still be
// connected: timers and a busy 2-core machine under -race.
const slowCutSlack = 2 * time.Second

// TestSlowClientsAtLisodTimeouts runs the slow clients together against
// a lisod with 2 s timeouts: slowloris connections (a header byte every
// 400 ms), stalled and trickling POST bodies, and readers that stall on a
// 16 MiB file. lisod answers each slow request 408, the full 2 s after
// the part its timeout covers began and not much later (a plain close
// would do for lisocheck); it gives up on each stalled reader at the
// write timeout and logs the cut answer, the reader keeping part of the
// file; and its memory stays within lisodMemoryLimit.
func TestSlowClientsAtLisodTimeouts(t *testing.T) {
	www := hardSite(t)
	big := make([]byte, 16<<20)
	for i := range big {
		big[i] = byte(i)
	}
	hardMust(t, os.WriteFile(filepath.Join(www, "big.bin"), big, 0o644))
	f := startHardened(t, www)
	pid := f.Cmd.Process.Pid
	before := hardRSS(t, pid)
	peak := before
	var peakMu sync.Mutex
	stopSampling := slowEvery(50*time.Millisecond, func() {
		rss := hardRSS(t, pid)
		peakMu.Lock()
		peak = max(peak, rss)
		peakMu.Unlock()
	})
	defer stopSampling()

	loris := slowDial(t, f.http, 200)
	posts := slowDial(t, f.http, 40)
	readers := slowDial(t, f.http, 5)

	head := "GET / HTTP/1.1\r\nHost: localhost\r\n" + strings.Repeat("X-Slow: loris\r\n", 100)
	for _, sc := range loris {
		sc.started = time.Now()
		sc.c.Write([]byte(head[:1]))
	}
	post := "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n0123456789"
	for _, sc := range posts {
		sc.started = time.Now()
		if _, err := io.WriteString(sc.c, post); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for _, sc := range readers {
		sc.c.SetReadBuffer(64 << 10) // a small window: the stall reaches lisod sooner
		io.WriteString(sc.c, "GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
		sc.c.SetReadDeadline(time.Now().Add(hangGuard))
		if _, err := bufio.NewReader(sc.c).Peek(1); err != nil { // the answer began; now stop reading
			t.Fatal(err)
		}
	}
	// The attackers: one more header byte on every slowloris connection,
	// and one more body byte on half the POSTs, every 400 ms.
	tick := 0
	stopDrip := slowEvery(400*time.Millisecond, func() {
		tick++
		for _, sc := range loris {
			sc.c.SetWriteDeadline(time.Now().Add(time.Second))
			sc.c.Write([]byte{head[tick%len(head)]})
		}
		for _, sc := range posts[:len(posts)/2] {
			sc.c.SetWriteDeadline(time.Now().Add(time.Second))
			sc.c.Write([]byte("x"))
		}
	})
	slowReadToEnd(append(loris, posts...))
	stopDrip()

	checkSlowCut(t, "slowloris", loris, 2*time.Second)
	checkSlowCut(t, "trickling POST", posts[:len(posts)/2], 2*time.Second)
	checkSlowCut(t, "stalled POST", posts[len(posts)/2:], 2*time.Second)

	// lisod logs each answer when it ends: here, when it gives up.
	logged := func() int { return strings.Count(f.Stderr(), `"GET /big.bin HTTP/1.1" 200`) }
	if !hardPoll(2*time.Second+slowCutSlack+time.Second, func() bool { return logged() == len(readers) }) {
		t.Errorf("after %v lisod had ended %d of %d stalled answers; want all, at WriteTimeout (2s)",
			time.Since(start).Round(time.Millisecond), logged(), len(readers))
	}
	t.Logf("%d stalled readers cut after %v", len(readers), time.Since(start).Round(time.Millisecond))
	// What the readers get when they wake up: part of the file, then the
	// end of the connection, never a whole answer.
	for i, sc := range readers {
		n, err := io.Copy(io.Discard, sc.c)
		if err != nil && !hardClosed(err) {
			t.Errorf("reader %d: %v", i, err)
		}
		if n >= int64(len(big)) {
			t.Errorf("reader %d got %d bytes: the whole file, although it stalled past the timeout", i, n)
		}
	}

	stopSampling()
	t.Logf("lisod's RSS: %d MiB before the slow clients, peak %d MiB", before>>10, peak>>10)
	if grew := int64(peak-before) << 10; grew > lisodMemoryLimit {
		t.Errorf("lisod's RSS grew by %d MiB; want at most %d MiB", grew>>20, lisodMemoryLimit>>20)
	}
}

// slowEvery calls do every period on a goroutine of its own until the
// returned function is called (a second call does nothing).
func slowEvery(period time.Duration, do func()) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				do()
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); <-done }) }
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

// checkSlowCut fails t unless every connection was closed by lisod
// within timeout (plus slowCutSlack) of its start, and not before it,
// after a 408 answer.
func checkSlowCut(t *testing.T, what string, conns []*slowClient, timeout time.Duration) {
	t.Helper()
	var longest time.Duration
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
		case !strings.HasPrefix(sc.got, "HTTP/1.1 408 "):
			t.Errorf("%s %d: lisod sent %.60q before closing; want a 408 answer", what, i, sc.got)
		}
		if t.Failed() && i > 5 {
			break // one failure says it; a thousand bury it
		}
	}
	t.Logf("%d %s connections cut; the longest was held %v (timeout %v)", len(conns), what, longest.Round(time.Millisecond), timeout)
}
