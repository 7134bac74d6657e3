package suite

// Many clients: 10,000 connections open at once, all answered; and a
// server that runs out of file descriptors, which must neither die nor
// spin, and must serve again once descriptors free up.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const docLoad = "docs/security.md#many-clients-and-descriptor-exhaustion"

// loadChecks are the many-clients checks.
var loadChecks = []Check{
	{
		Name:  "robust/many-connections",
		Stage: StageRobust,
		Rule:  "course: many clients at once (C servers were bound to select's 1,024); a server today holds 10,000 idle connections and then answers every one",
		Doc:   docLoad,
		Run:   runManyConnections,
	},
	{
		Name:   "robust/descriptor-exhaustion",
		Stage:  StageRobust,
		Starts: true,
		Rule:   "accept(2) fails with EMFILE when the process has no descriptor left: a server must go on (not exit, not retry in a busy loop) and serve again once clients leave",
		Doc:    docLoad,
		Run:    runDescriptorExhaustion,
	},
}

const (
	manyConns    = 10000 // lisod's default connection cap
	manyWorkers  = 64    // goroutines that play the 10,000 clients
	manyDeadline = 60 * time.Second
	restingFiles = 64 // a server at rest holds fewer descriptors than this
)

// manyConn is one of the 10,000 connections and what became of it.
type manyConn struct {
	c             net.Conn
	br            *bufio.Reader
	first, second time.Time // when each request was sent
	err           error     // the failure, if any
	idleClosed    bool      // answered once, then closed while it waited
}

// runManyConnections opens 10,000 connections, each sending a request;
// once all are open, it sends another on each and reads every answer:
// none may fail.
func runManyConnections(c *C) {
	needFiles(c, manyConns)
	if c.Server != nil {
		// Wait for the connections of the checks before to be gone on the
		// server's side too, so that they do not count against its cap.
		pid, _ := c.Server.Pid()
		poll(10*time.Second, func() bool { n, err := countFiles(pid); return err != nil || n < restingFiles })
	}
	pid, before := memoryBefore(c)
	conns := make([]manyConn, manyConns)
	defer func() {
		for _, mc := range conns {
			if mc.c != nil {
				mc.c.Close()
			}
		}
	}()
	// A few workers share the connections, each its own: lisocheck should
	// not need a goroutine per connection to play 10,000 clients.
	work := func(do func(mc *manyConn)) {
		var wg sync.WaitGroup
		for w := range manyWorkers {
			wg.Go(func() {
				for i := w; i < manyConns; i += manyWorkers {
					do(&conns[i])
				}
			})
		}
		wg.Wait()
	}
	const req = "GET /second.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"
	answer := func(mc *manyConn) error {
		r, err := ReadReply(mc.br, "GET")
		switch {
		case err != nil:
			return err
		case r.Status != 200 || string(r.Body) != SecondBody:
			return fmt.Errorf("got %d %q", r.Status, Shorten(string(r.Body), 80))
		}
		return nil
	}

	// Each connection is opened and sends one request, whose answer waits
	// unread while the others open: a server may time out a connection
	// that never sent a byte sooner than one kept alive between requests
	// (lisod: HeaderTimeout, then IdleTimeout).
	start := time.Now()
	var opened atomic.Int64
	work(func(mc *manyConn) {
		conn, err := net.DialTimeout("tcp", c.Addr, HangGuard)
		if err != nil {
			mc.err = err
			return
		}
		conn.SetDeadline(time.Now().Add(manyDeadline))
		mc.c, mc.br, mc.first = conn, bufio.NewReader(conn), time.Now()
		if _, err := io.WriteString(conn, req); err != nil {
			mc.err = err
		}
		if n := opened.Add(1); n%1000 == 0 {
			c.Progress("%d/%d connections open", n, manyConns)
		}
	})
	dialTime := time.Since(start)
	// Then, with all of them open and idle, a second request on each, and
	// every answer read.
	work(func(mc *manyConn) {
		if mc.err == nil {
			mc.second = time.Now()
			if _, err := io.WriteString(mc.c, req); err != nil {
				mc.idleClosed = true // unless the first answer is missing too
			}
		}
	})
	work(func(mc *manyConn) {
		if mc.err != nil {
			return
		}
		if err := answer(mc); err != nil {
			mc.err, mc.idleClosed = err, false
			return
		}
		if err := answer(mc); err != nil && !mc.idleClosed {
			mc.err, mc.idleClosed = err, Closed(err)
		}
		if mc.idleClosed {
			mc.err = nil
		}
	})
	c.Logf("%d connections: open after %v, all answered again after %v", manyConns, dialTime.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	judgeMany(c, conns, dialTime, req)
	if pid == 0 || c.Failed() {
		return
	}
	held, _ := countFiles(pid) // every connection is still open here
	after, _ := residentBytes(pid)
	c.Logf("the server held %d descriptors; its resident memory grew from %d to %d MiB, %.1f KiB a connection",
		held, before>>20, after>>20, float64(after-before)/1024/manyConns)
	if held < manyConns {
		c.Fail(Errorf("the server held %d descriptors with every connection open; want at least %d (were they open at once?)", held, manyConns))
	}
}

// judgeMany fails c for every connection that failed. Connections the
// server closed after one answer, while they waited for the others to
// open, fail it too, unless they are exactly the ones that waited
// longest: then the server's keep-alive timeout is shorter than opening
// 10,000 took on this machine, which says nothing about the server's
// capacity, and the check is skipped.
func judgeMany(c *C, conns []manyConn, dialTime time.Duration, req string) {
	var failed, closed int
	var firstErr string
	longestKept := time.Duration(0)
	shortestClosed := time.Duration(1 << 62)
	for i, mc := range conns {
		waited := mc.second.Sub(mc.first)
		switch {
		case mc.err != nil:
			if failed++; failed == 1 {
				firstErr = fmt.Sprintf("connection %d: %v", i, mc.err)
			}
		case mc.idleClosed:
			closed++
			shortestClosed = min(shortestClosed, waited)
		default:
			longestKept = max(longestKept, waited)
		}
	}
	const jitter = 250 * time.Millisecond // the server's timers, and when its answers went out
	sent := fmt.Sprintf("%d connections opened, each sending %q, and again once all were open", manyConns, req)
	switch {
	case failed > 0:
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("%d failed; the first: %s", failed, firstErr), Want: "every one answered 200, twice"})
	case closed > 0 && shortestClosed+jitter >= longestKept:
		c.Skip(fmt.Sprintf("the server closed the %d connections that had waited %v or more after their first answer, while the others opened (which took %v here): its keep-alive timeout is shorter than that; on a quieter machine, or with a longer keep-alive timeout, lisocheck can hold 10,000 open at once",
			closed, shortestClosed.Round(time.Millisecond), dialTime.Round(time.Millisecond)))
	case closed > 0:
		c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("%d connections closed after their first answer, some after waiting only %v, while others waited %v", closed, shortestClosed.Round(time.Millisecond), longestKept.Round(time.Millisecond)),
			Want: "every one answered 200, twice"})
	}
}

// exhaustFiles is the open-file limit the descriptor check starts its
// server with.
const exhaustFiles = 64

// ulimitCommand is cmd run by the shell with an open-file limit of n,
// soft and hard, as a student would start it after "ulimit -n N": the
// shell sets the limit and then becomes the server, so it works for a
// server in any language. (Both limits: Go raises the soft limit to the
// hard one at start-up.)
func ulimitCommand(cmd *Command, n int) *Command {
	script := fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, n)
	return &Command{Path: "/bin/sh", Args: append([]string{"-c", script, cmd.Path}, cmd.Args...), Env: cmd.Env}
}

// runDescriptorExhaustion starts a server with at most 64 open files and
// opens 100 idle connections, more than it can hold. The kernel completes
// the handshakes of the ones it cannot accept and keeps them queued while
// accept fails with EMFILE. The server must keep running without
// spinning, and serve again once the clients close.
func runDescriptorExhaustion(c *C) {
	dir, err := os.MkdirTemp("", "lisocheck-nofile-")
	if err != nil {
		c.Fatal(Errorf("making a scratch folder: %v", err))
	}
	defer os.RemoveAll(dir)
	s, _ := launchOwn(c, ulimitCommand(c.Command, exhaustFiles), dir)
	defer s.Stop(HangGuard)
	addr := loopback(s.HTTPPort)
	pid, err := s.Pid()
	if err != nil {
		c.Fatal(Errorf("finding the server's process: %v", err))
	}
	if soft, hard, err := fileLimit(pid); err != nil || soft < 0 || soft > exhaustFiles || hard < 0 || hard > exhaustFiles {
		c.Fatal(Errorf("the server (pid %d) runs with an open-file limit of %d (hard %d), not %d: %v", pid, soft, hard, exhaustFiles, err))
	}
	resting, _ := countFiles(pid)

	conns := slowDial(c, addr, 100)
	defer closeAll(conns)
	full := poll(10*time.Second, func() bool { n, _ := countFiles(pid); return n >= exhaustFiles-2 })
	held, _ := countFiles(pid)
	c.Logf("the server holds %d descriptors at rest, %d with 100 clients queued", resting, held)
	if !full {
		c.Logf("it never reached its limit (%d): it may cap its own connections", exhaustFiles)
	}

	// While starved, a server that retries accept at once spins at 100%
	// of a core; one that backs off uses next to nothing.
	cpu0, _ := cpuTime(pid)
	const span = time.Second
	time.Sleep(span) // the span over which CPU time is measured, not synchronisation
	cpu1, _ := cpuTime(pid)
	used := cpu1 - cpu0
	c.Logf("CPU time used in %v of starvation: %v", span, used)
	if used > span/2 {
		c.Fail(Errorf("the server used %v of CPU in %v while out of descriptors: it retries accept in a busy loop instead of backing off", used, span))
	}
	if !Alive(pid) {
		c.Fatal(Errorf("the server (pid %d) died when it ran out of descriptors", pid))
	}
	if log, err := os.ReadFile(s.Log); err == nil && strings.Contains(strings.ToLower(string(log)), "too many open files") {
		c.Logf("the log file names the failure (\"too many open files\")")
	}

	// Descriptors come back: the server serves again, and every queued
	// connection is accepted and closed.
	closeAll(conns)
	freed := time.Now()
	var r Reply
	var raw string
	var getErr error
	if !poll(10*time.Second, func() bool {
		r, raw, getErr = getWithin(addr, "/second.txt", 3*time.Second)
		return getErr == nil
	}) {
		c.Fatal(Failure{Sent: raw, Got: getErr.Error(), Want: "200 once the clients closed their connections"})
	}
	c.Logf("served again %v after the clients closed", time.Since(freed).Round(time.Millisecond))
	if r.Status != 200 || string(r.Body) != SecondBody {
		c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "200 with the file, once the clients closed"})
	}
	if !poll(10*time.Second, func() bool { n, _ := countFiles(pid); return n <= resting+5 }) {
		n, _ := countFiles(pid)
		c.Fail(Errorf("the server still holds %d descriptors (%d at rest) 10 s after every client closed", n, resting))
	}
}
