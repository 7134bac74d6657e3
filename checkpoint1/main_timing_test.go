package main

import (
	"bufio"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"liso/shared/lisotest"
)

// BenchmarkIdleConnections opens 10,000 connections to a lisod child
// process, echoes one byte on each, and keeps them all open. It reports the
// growth of lisod's resident memory per connection (RSS, from /proc).
// Run: go test -run XXX -bench IdleConnections ./checkpoint1
func BenchmarkIdleConnections(b *testing.B) {
	const conns = 10000
	for b.Loop() {
		p := lisotest.Start(b, nil, "--bind", "127.0.0.1", "0")
		addr := p.Addr(b)
		before := rss(b, p.Cmd.Process.Pid)
		open := make([]net.Conn, 0, conns)
		for range conns {
			c, err := net.DialTimeout("tcp", addr, hangGuard)
			if err != nil {
				b.Fatalf("after %d connections: %v", len(open), err)
			}
			c.SetDeadline(time.Now().Add(hangGuard))
			var one [1]byte
			if _, err := c.Write([]byte{'x'}); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, one[:]); err != nil {
				b.Fatal(err)
			}
			open = append(open, c)
		}
		after := rss(b, p.Cmd.Process.Pid)
		b.ReportMetric(float64(after-before)/conns, "B/idle-conn")
		b.ReportMetric(float64(conns), "conns")
		for _, c := range open {
			c.Close()
		}
	}
}

// rss reads a process's resident set size in bytes.
func rss(b *testing.B, pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmRSS in /proc status")
	return 0
}
