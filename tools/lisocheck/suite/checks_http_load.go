package suite

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The course's graders loaded a checkpoint 2 server with ab -kc 800 (and
// more): 800 clients at once, each sending HTTP/1.0 requests with
// Connection: keep-alive on its connection, one after another. This is that
// load with a bounded number of requests, so that it takes a second or two.
const (
	loadClients  = 800
	loadRequests = 8000 // in all: loadRequests/loadClients per client
	loadPath     = "/index.html"
)

var httpLoadChecks = []Check{
	{
		Name:  "http/load-ab-kc-800",
		Stage: StageHTTP,
		Rule:  fmt.Sprintf("course: the graders' load, as ab -k -c %d sends it: %d clients at once, each sending HTTP/1.0 keep-alive requests one after another; every answer is 200 with the file (%d requests in all here)", loadClients, loadClients, loadRequests),
		Doc:   "docs/checkpoint2.md#try-it-by-hand",
		Run:   checkLoad,
	},
}

// loadStats are what the load's clients count, as ab does.
type loadStats struct {
	done, keptAlive, reconnects atomic.Int64
}

// checkLoad runs loadClients clients until loadRequests are answered.
func checkLoad(c *C) {
	want := c.Site.Files[loadPath]
	raw := abRequest(loadPath)
	var stats loadStats
	var mu sync.Mutex
	var failures []Failure // guarded by mu
	var failed atomic.Int64
	stop := tickProgress(c, func() string {
		return fmt.Sprintf("%d/%d requests answered, %d clients", stats.done.Load(), loadRequests, loadClients)
	})
	start := time.Now()
	var wg sync.WaitGroup
	for client := range loadClients {
		wg.Go(func() {
			if f, ok := loadClient(c, raw, want, loadRequests/loadClients, &stats); !ok {
				if failed.Add(1) <= 3 { // the first few say enough
					f.Note = fmt.Sprintf("client %d of %d. %s", client+1, loadClients, f.Note)
					mu.Lock()
					failures = append(failures, f)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	stop()
	for _, f := range failures {
		c.Fail(f)
	}
	if n := failed.Load(); n > 0 {
		c.Fail(Errorf("%d of %d clients failed; %d of %d requests answered", n, loadClients, stats.done.Load(), loadRequests))
	}
	c.Logf("%d requests from %d keep-alive HTTP/1.0 clients in %v: %.0f requests/s; %d kept alive, %d reconnections",
		stats.done.Load(), loadClients, elapsed.Round(time.Millisecond), float64(stats.done.Load())/elapsed.Seconds(), stats.keptAlive.Load(), stats.reconnects.Load())
}

// loadClient sends n requests one after another on its connection, and
// opens a new one when the server closes it, as ab -k does.
func loadClient(c *C, raw string, want []byte, n int, stats *loadStats) (Failure, bool) {
	var conn net.Conn
	var br *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for i := range n {
		if c.Context().Err() != nil {
			return Errorf("interrupted"), false
		}
		if conn == nil {
			var err error
			if conn, err = Dial(c.Addr); err != nil {
				return Failure{Sent: "a connection, beside the other clients'", Got: err.Error(), Want: "the server accepts it"}, false
			}
			br = bufio.NewReader(conn)
			if i > 0 {
				stats.reconnects.Add(1)
			}
		}
		conn.SetDeadline(time.Now().Add(HangGuard))
		if _, err := io.WriteString(conn, raw); err != nil {
			return Failure{Sent: raw, Got: err.Error(), Want: "the server reads the request"}, false
		}
		r, err := ReadReply(br, "GET")
		switch {
		case err != nil:
			return Failure{Sent: raw, Got: err.Error(), Want: "200 OK and the file", Note: fmt.Sprintf("request %d of this client's %d.", i+1, n)}, false
		case r.Status != 200 || !bytes.Equal(r.Body, want):
			return Failure{Sent: raw, Got: r.Head(), Want: "200 OK and the file", Note: fmt.Sprintf("request %d of this client's %d.", i+1, n)}, false
		}
		stats.done.Add(1)
		if r.Close {
			conn.Close()
			conn = nil
		} else {
			stats.keptAlive.Add(1)
		}
	}
	return Failure{}, true
}
