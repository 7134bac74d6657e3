package suite

// Slow clients: slowloris, slow POST (stalled and trickled) and slow
// readers, each run while a normal client keeps fetching a small file and
// must keep getting answers. The attacks rely on the server's timeouts,
// which the Target states (HeaderTimeout, BodyTimeout): a slow client
// must be cut about then, with a 408 or a plain close, never held for
// ever. When lisocheck started the server, its memory is read from /proc
// during the attack and logged (and bounded by Target.MemoryLimit).

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const docSlow = "docs/security.md#slow-clients"

// slowChecks are the slow-client checks.
var slowChecks = []Check{
	{
		Name:  "robust/slowloris",
		Stage: StageRobust,
		Rule:  "course: a slow or incomplete request is answered 408 past a timeout (F19), and never hurts other clients; the timeout bounds the whole head (slowloris)",
		Doc:   docSlow,
		Run:   runSlowloris,
	},
	{
		Name:  "robust/slow-post",
		Stage: StageRobust,
		Rule:  "course: a request body that stops coming is answered 408 past a timeout (F19), and never hurts other clients",
		Doc:   docSlow,
		Run:   func(c *C) { runSlowPOST(c, false) },
	},
	{
		Name:  "robust/slow-post-trickle",
		Stage: StageRobust,
		Rule:  "course: 408 past a timeout (F19); a body trickled a byte just before each read times out (R-U-D-Y) must be cut too, by a minimum rate or a whole-body deadline",
		Doc:   docSlow,
		Run:   func(c *C) { runSlowPOST(c, true) },
	},
	{
		Name:  "robust/slow-readers",
		Stage: StageRobust,
		Rule:  "course: a client that never reads must not hurt the others",
		Doc:   docSlow,
		Run:   runSlowReaders,
	},
}

// The sizes of the attacks, and the bound on a normal client beside them.
const (
	slowlorisConns   = 1000
	slowPOSTConns    = 100
	slowReaderConns  = 20
	probeLimit       = time.Second            // the bound on a normal client's exchange
	dripEvery        = 400 * time.Millisecond // well inside any read timeout
	slowReaderSpan   = 2 * time.Second        // how long the readers stall while the probe runs
	slowReaderRepeat = 4                      // pipelined GETs of the big file: 16 MiB, more than socket buffers hold
)

// cutMargin is how long after its timeout a slow client may still be
// connected: timers, and a busy machine (two shared cores under -race).
func cutMargin(timeout time.Duration) time.Duration { return max(2*time.Second, timeout/2) }

// runSlowloris: many connections each send a header byte every 400 ms and
// never finish the head. Each must be cut about HeaderTimeout after its
// first byte, while a normal client is served.
func runSlowloris(c *C) {
	if c.HeaderTimeout == 0 {
		c.Skip("needs the server's header timeout (Target.HeaderTimeout)")
	}
	needFiles(c, slowlorisConns)
	pid, before := memoryBefore(c)
	conns := slowDial(c, c.Addr, slowlorisConns)
	defer closeAll(conns)
	p, stopProbe := startProbe(c.Addr, pid)
	defer stopProbe()

	head := "GET / HTTP/1.1\r\nHost: localhost\r\n" + strings.Repeat("X-Slow: loris\r\n", 100)
	for _, sc := range conns {
		sc.started = time.Now()
		sc.c.SetWriteDeadline(time.Now().Add(HangGuard))
		sc.c.Write([]byte(head[:1]))
	}
	c.Progress("%d connections send a header byte every %v", len(conns), dripEvery)
	stop := drip(conns, func(i int) []byte { return []byte{head[i%len(head)]} })
	readToEnd(conns, c.HeaderTimeout+cutMargin(c.HeaderTimeout)+time.Second)
	stop()
	stopProbe()

	checkCut(c, "slowloris", head[:1]+"… (a byte every 400 ms)", conns, c.HeaderTimeout)
	p.check(c, "slowloris")
	checkMemory(c, "slowloris", pid, before, p.peak())
}

// runSlowPOST: clients send a POST head promising 100,000 bytes, then
// stall, or trickle a byte every 400 ms. Each must be cut about
// BodyTimeout after its head.
func runSlowPOST(c *C, trickle bool) {
	if c.BodyTimeout == 0 {
		c.Skip("needs the server's body timeout (Target.BodyTimeout)")
	}
	what := "stalled POST"
	if trickle {
		what = "trickling POST"
	}
	pid, before := memoryBefore(c)
	conns := slowDial(c, c.Addr, slowPOSTConns)
	defer closeAll(conns)
	p, stopProbe := startProbe(c.Addr, pid)
	defer stopProbe()

	head := "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n0123456789"
	for _, sc := range conns {
		sc.started = time.Now()
		sc.c.SetWriteDeadline(time.Now().Add(HangGuard))
		if _, err := io.WriteString(sc.c, head); err != nil {
			c.Fatal(Failure{Sent: head, Got: err.Error(), Want: "the head and the first bytes of the body sent"})
		}
	}
	stop := func() {}
	if trickle {
		stop = drip(conns, func(int) []byte { return []byte("x") })
	}
	readToEnd(conns, c.BodyTimeout+cutMargin(c.BodyTimeout)+time.Second)
	stop()
	stopProbe()

	sent := head + "… (then nothing)"
	if trickle {
		sent = head + "… (then a byte every 400 ms)"
	}
	checkCut(c, what, sent, conns, c.BodyTimeout)
	p.check(c, what)
	checkMemory(c, what, pid, before, p.peak())
}

// runSlowReaders: clients ask for the big file several times over and
// stop reading once the answer begins, so that the server's writes block.
// A normal client must still be served all the while. (lisod also cuts
// them at its write timeout; the Target does not state that one, so this
// check only logs whether they were cut.)
func runSlowReaders(c *C) {
	pid, before := memoryBefore(c)
	conns := slowDial(c, c.Addr, slowReaderConns)
	defer closeAll(conns)
	p, stopProbe := startProbe(c.Addr, pid)
	defer stopProbe()

	get := "GET " + BigPath + " HTTP/1.1\r\nHost: localhost\r\n"
	req := strings.Repeat(get+"\r\n", slowReaderRepeat-1) + get + "Connection: close\r\n\r\n"
	readers := make([]*bufio.Reader, len(conns))
	for i, sc := range conns {
		sc.c.SetReadBuffer(64 << 10) // a small window: the stall reaches the server sooner
		sc.c.SetDeadline(time.Now().Add(HangGuard))
		if _, err := io.WriteString(sc.c, req); err != nil {
			c.Fatal(Failure{Sent: req, Got: err.Error(), Want: "the requests sent"})
		}
		readers[i] = bufio.NewReader(sc.c)
		if _, err := readers[i].Peek(1); err != nil { // the answer began; now stop reading
			c.Fatal(Failure{Sent: req, Got: err.Error(), Want: "the answer to begin"})
		}
	}
	c.Progress("%d readers stalled", len(conns))
	time.Sleep(slowReaderSpan) // the span over which the normal client must be served, not synchronisation
	stopProbe()
	p.check(c, "slow readers")
	checkMemory(c, "slow readers", pid, before, p.peak())

	// What the readers get when they wake up: the rest of their answers,
	// or, from a server with a write timeout, part and then the end.
	var cut atomic.Int64
	var wg sync.WaitGroup
	for i, sc := range conns {
		wg.Go(func() {
			sc.c.SetReadDeadline(time.Now().Add(HangGuard))
			if got, err := ReadAllReplies(readers[i], "GET"); err != nil || len(got) < slowReaderRepeat {
				cut.Add(1)
			}
		})
	}
	wg.Wait()
	c.Logf("%d of %d stalled readers were cut before the end of their answers", cut.Load(), len(conns))
}

// probe is the normal client beside an attack: it fetches a small file,
// one exchange after another, and samples the server's memory as it goes.
type probe struct {
	addr string
	pid  int // 0: memory is not sampled

	mu       sync.Mutex
	n        int           // exchanges done; guarded by mu
	slowest  time.Duration // guarded by mu
	failures []string      // guarded by mu
	peakRSS  int64         // bytes; guarded by mu
}

// startProbe starts the probe; stop ends it and waits for it (a second
// call does nothing).
func startProbe(addr string, pid int) (p *probe, stop func()) {
	p = &probe{addr: addr, pid: pid}
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
			start := time.Now()
			r, _, err := getWithin(p.addr, "/second.txt", probeLimit)
			took := time.Since(start)
			rss, _ := residentBytes(p.pid)
			p.mu.Lock()
			p.n++
			p.slowest = max(p.slowest, took)
			p.peakRSS = max(p.peakRSS, rss)
			switch {
			case err != nil:
				p.failures = append(p.failures, fmt.Sprintf("after %v: %v (load average %s)", took.Round(time.Millisecond), err, loadAverage()))
			case r.Status != 200 || string(r.Body) != SecondBody:
				p.failures = append(p.failures, fmt.Sprintf("got %d %q", r.Status, Shorten(string(r.Body), 80)))
			}
			p.mu.Unlock()
		}
	}()
	var once sync.Once
	return p, func() { once.Do(func() { close(quit); <-done }) }
}

// check fails c if the probe had a failure or could hardly run.
func (p *probe) check(c *C, during string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.Logf("during %s: %d normal exchanges, the slowest %v", during, p.n, p.slowest.Round(time.Millisecond))
	if p.n < 5 {
		c.Fail(Errorf("during %s the normal client completed only %d exchanges", during, p.n))
	}
	for i, f := range p.failures {
		if i == 3 {
			c.Fail(Errorf("and %d more of the normal client's exchanges failed", len(p.failures)-i))
			break
		}
		c.Fail(Failure{Sent: "GET /second.txt (a normal client, during " + during + ")", Got: f, Want: "200 with the file within " + probeLimit.String()})
	}
}

// peak is the highest resident memory the probe saw, in bytes.
func (p *probe) peak() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peakRSS
}

// loadAverage is the machine's load, for a failure message: a probe that
// timed out on a machine busy with other work says so.
func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.TrimSpace(string(b))
}

// slowClient is one attacking connection and what became of it.
type slowClient struct {
	c       *net.TCPConn
	started time.Time // when the part of the request the timeout covers began
	closed  time.Time // when the server closed the connection
	got     string    // what the server sent before closing
	err     error
}

// slowDial opens n connections to addr, a few at a time, so that the
// listen backlog never overflows. On failure it closes them and ends the
// check.
func slowDial(c *C, addr string, n int) []*slowClient {
	conns := make([]*slowClient, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range conns {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			conn, err := Dial(addr)
			if err != nil {
				errs[i] = err
				return
			}
			conns[i] = &slowClient{c: conn.(*net.TCPConn)}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			closeAll(conns)
			c.Fatal(Failure{Sent: fmt.Sprintf("%d connections", n), Got: fmt.Sprintf("connection %d: %v", i, err), Want: "all accepted"})
		}
	}
	return conns
}

// closeAll closes every connection of conns.
func closeAll(conns []*slowClient) {
	for _, sc := range conns {
		if sc != nil {
			sc.c.Close()
		}
	}
}

// drip writes next(i) on every connection at every tick i, until the
// returned function is called, skipping connections whose write failed
// (the server closed them).
func drip(conns []*slowClient, next func(i int) []byte) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(dripEvery)
		defer tick.Stop()
		open := make([]bool, len(conns))
		for i := range open {
			open[i] = true
		}
		for i := 1; ; i++ {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			for j, sc := range conns {
				if open[j] {
					sc.c.SetWriteDeadline(time.Now().Add(time.Second))
					_, err := sc.c.Write(next(i))
					open[j] = err == nil
				}
			}
		}
	}()
	return func() { close(quit); <-done }
}

// readToEnd reads from every connection until the server closes it, or
// limit passes, recording when and what came.
func readToEnd(conns []*slowClient, limit time.Duration) {
	var wg sync.WaitGroup
	for _, sc := range conns {
		wg.Go(func() {
			sc.c.SetReadDeadline(time.Now().Add(limit))
			b, err := io.ReadAll(sc.c)
			sc.closed, sc.got = time.Now(), string(b)
			if err != nil && !Closed(err) {
				sc.err = err
			}
		})
	}
	wg.Wait()
}

// checkCut fails c unless every connection was closed by the server
// within timeout (plus cutMargin) of its start, after a 408 or nothing.
func checkCut(c *C, what, sent string, conns []*slowClient, timeout time.Duration) {
	limit := timeout + cutMargin(timeout)
	want := fmt.Sprintf("a 408 answer or nothing, then the connection closed, within %v (the timeout, %v, plus a margin); or an early answer (a refusal), then the close within that time", limit, timeout)
	var longest time.Duration
	var answered, refused, bad int
	for i, sc := range conns {
		held := sc.closed.Sub(sc.started)
		longest = max(longest, held)
		var got string
		switch {
		case sc.err != nil:
			got = fmt.Sprintf("connection %d still open after %v: %v", i, held.Round(time.Millisecond), sc.err)
		case held > limit:
			got = fmt.Sprintf("connection %d closed after %v", i, held.Round(time.Millisecond))
		case sc.got == "":
		case strings.HasPrefix(sc.got, "HTTP/1.1 408 ") || strings.HasPrefix(sc.got, "HTTP/1.0 408 "):
			answered++
		case strings.HasPrefix(sc.got, "HTTP/1."):
			// An answer before the request was whole (nginx's 405 to a
			// POST on a static file), then the close within the limit:
			// the server did not wait on the attacker, which is the point.
			refused++
		default:
			got = fmt.Sprintf("connection %d got %q before the close", i, Shorten(sc.got, 120))
		}
		if got != "" {
			if bad++; bad <= 3 { // three say it; a thousand bury it
				c.Fail(Failure{Sent: Shorten(sent, 200), Got: got, Want: want})
			}
		}
	}
	if bad > 3 {
		c.Fail(Errorf("%d of %d %s connections in all were not cut as they should be", bad, len(conns), what))
	}
	c.Logf("%d %s connections: %d answered 408, %d answered early, %d closed without an answer; the longest was held %v (timeout %v)",
		len(conns), what, answered, refused, len(conns)-answered-refused-bad, longest.Round(time.Millisecond), timeout)
}

// needFiles skips the check when lisocheck may not open n more files
// (each client connection is one).
func needFiles(c *C, n int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		c.Skip("cannot read lisocheck's open-file limit: " + err.Error())
	}
	if lim.Cur < uint64(n)+500 {
		c.Skip(fmt.Sprintf("lisocheck may open %d files (ulimit -n); this check needs %d connections", lim.Cur, n))
	}
}
