package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// idleResult is the memory measurement of one server: n clients each send
// one request, read the answer and stay connected; the server's resident
// memory is read before and after.
type idleResult struct {
	conns  int      // connections opened
	ok     int      // of them answered 200 with the whole file
	open   int      // of them still open when the memory was read
	before int64    // server RSS in bytes before the clients came
	after  int64    // and with all of them connected
	errs   []string // the first few failures, for the report
}

// perConn is the memory each idle connection cost, in bytes.
func (r idleResult) perConn() float64 {
	if r.conns == 0 {
		return 0
	}
	return float64(r.after-r.before) / float64(r.conns)
}

// Keep the client side within the file limit: its own descriptors, plus
// a margin for wrk's and the runtime's.
const fdMargin = 256

// measureIdle measures every server measured in all rows (not lighttpd
// or the ceiling), each freshly started, so that no earlier load has left
// memory in its pools.
func (b *bench) measureIdle(ctx context.Context, kinds []*serverKind, rep *report) error {
	n := b.cfg.idleConns
	if limit := fileLimit() - fdMargin; n > limit {
		rep.notes = append(rep.notes, fmt.Sprintf("Idle memory: %d connections, not %d: the open-file limit here is %d.", limit, n, fileLimit()))
		n = limit
	}
	for _, k := range kinds {
		if !k.measures("idle") {
			continue
		}
		s, err := b.start(ctx, k)
		if err != nil {
			return err
		}
		start := time.Now()
		res, err := b.holdIdle(ctx, s, n)
		s.stop()
		if err != nil {
			return err
		}
		rep.idle[k.name] = res
		b.logf("idle, %s: %d connections, %d answered 200, %d still open; RSS %.1f -> %.1f MiB: %s per connection (%v)",
			k.name, res.conns, res.ok, res.open, float64(res.before)/(1<<20), float64(res.after)/(1<<20),
			formatValue(bytesPerConn, res.perConn()), time.Since(start).Round(100*time.Millisecond))
	}
	return nil
}

// idleWorkers is how many clients connect at a time (nginx's listen
// backlog is 511).
const idleWorkers = 32

// holdIdle opens n connections to s, each with one answered request, and
// reads the server's memory while they are all open.
func (b *bench) holdIdle(ctx context.Context, s *server, n int) (idleResult, error) {
	before, err := s.rss()
	if err != nil {
		return idleResult{}, err
	}
	res := idleResult{conns: n, before: before}
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()

	var (
		next, ok atomic.Int64
		mu       sync.Mutex
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if len(res.errs) < 5 {
			res.errs = append(res.errs, err.Error())
		}
	}
	for range idleWorkers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				c, err := oneRequest(s.http)
				conns[i] = c
				if err != nil {
					fail(err)
					continue
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return idleResult{}, err
	}
	res.ok = int(ok.Load())

	// Let the server finish what follows an answer (a log line, putting
	// buffers back) before its memory is read.
	settle := time.Second
	if b.cfg.smoke {
		settle = 100 * time.Millisecond
	}
	time.Sleep(settle)
	if res.after, err = s.rss(); err != nil {
		return idleResult{}, err
	}
	res.open = countOpen(conns)
	return res, nil
}

// oneRequest connects, asks for the small file and reads the whole
// answer, leaving the connection open. It returns the connection even on
// error, for the caller to close.
func oneRequest(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "GET /"+smallFile+" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		return c, err
	}
	br := bufio.NewReaderSize(c, 2048)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return c, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return c, err
	case resp.StatusCode != http.StatusOK:
		return c, fmt.Errorf("status %s", resp.Status)
	case n != smallSize:
		return c, fmt.Errorf("%d bytes; want %d", n, smallSize)
	case resp.Close:
		return c, errors.New("the server closed the connection after one answer")
	case br.Buffered() > 0:
		return c, fmt.Errorf("%d bytes after the answer", br.Buffered())
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// countOpen counts the connections the server has not closed: a read that
// times out found the connection open and idle.
func countOpen(conns []net.Conn) int {
	var open atomic.Int64
	var wg sync.WaitGroup
	work := make(chan net.Conn)
	for range idleWorkers {
		wg.Go(func() {
			var buf [1]byte
			for c := range work {
				c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
				if _, err := c.Read(buf[:]); errors.Is(err, os.ErrDeadlineExceeded) {
					open.Add(1)
				}
			}
		})
	}
	for _, c := range conns {
		if c != nil {
			work <- c
		}
	}
	close(work)
	wg.Wait()
	return int(open.Load())
}

// rss returns the resident memory of the server: its process and its
// children (nginx's worker; a CGI script, were one running).
func (s *server) rss() (int64, error) {
	pids := append([]int{s.cmd.Process.Pid}, children(s.cmd.Process.Pid)...)
	var total int64
	for _, pid := range pids {
		kb, err := vmRSS(pid)
		if err != nil {
			return 0, fmt.Errorf("memory of %s: %w", s.kind.name, err)
		}
		total += kb * 1024
	}
	return total, nil
}

// vmRSS reads a process's resident set size, in KiB, from /proc.
func vmRSS(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseVmRSS(string(status))
}

// parseVmRSS finds "VmRSS:  1234 kB" in /proc/PID/status.
func parseVmRSS(status string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		num, ok := strings.CutSuffix(strings.TrimSpace(rest), " kB")
		if !ok {
			return 0, fmt.Errorf("VmRSS line %q: want a size in kB", line)
		}
		return strconv.ParseInt(num, 10, 64)
	}
	return 0, errors.New("no VmRSS line (a kernel thread, or a process that has exited)")
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // it has exited meanwhile
		}
		if child, parent, ok := parseStat(string(b)); ok && parent == pid {
			out = append(out, child)
		}
	}
	return out
}

// parseStat reads the pid and parent pid from /proc/PID/stat: "pid (comm)
// state ppid ...". The command name may hold spaces and parentheses, so
// the fields are counted from its last ')'.
func parseStat(stat string) (pid, ppid int, ok bool) {
	open := strings.IndexByte(stat, '(')
	end := strings.LastIndexByte(stat, ')')
	if open < 1 || end < open {
		return 0, 0, false
	}
	fields := strings.Fields(stat[end+1:])
	if len(fields) < 2 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(stat[:open]))
	ppid, err2 := strconv.Atoi(fields[1])
	return pid, ppid, err1 == nil && err2 == nil
}
