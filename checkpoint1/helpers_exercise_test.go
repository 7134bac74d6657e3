//go:build exercises

package main

import (
	"io"
	"net"
	"regexp"
	"testing"
	"time"

	"liso/shared/lisotest"
)

// The exercises of docs/checkpoint1.md. They are kept out of the default
// test run by their build tag; run them with
//
//	go test -tags exercises -run TestExercise ./checkpoint1
//
// Each one fails until its exercise is solved, saying what is missing.

// exListenAddrRE finds the address in lisod's "listening on ADDR" line.
var exListenAddrRE = regexp.MustCompile(`listening on (\S+)`)

// exStart starts lisod with args and returns it with its address. When
// lisod does not start, the test fails naming the exercise.
func exStart(t *testing.T, exercise string, args ...string) (*lisotest.Proc, string) {
	t.Helper()
	p := lisotest.Start(t, nil, args...)
	line, err := p.ReadLine(10 * time.Second)
	if err != nil {
		p.Wait(t, hangGuard)
		t.Fatalf("%s: lisod %q did not start: %s", exercise, args, p.Stderr())
	}
	m := exListenAddrRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("%s: lisod's first line %q names no address", exercise, line)
	}
	_, port, _ := net.SplitHostPort(m[1])
	return p, net.JoinHostPort("127.0.0.1", port)
}

// exDial connects to addr, with a deadline that keeps a broken server from
// hanging the test.
func exDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, hangGuard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(hangGuard))
	return c
}

// exEcho writes msg and reads the echo back.
func exEcho(t *testing.T, exercise string, c net.Conn, msg []byte) {
	t.Helper()
	if _, err := c.Write(msg); err != nil {
		t.Fatalf("%s: writing %d bytes: %v", exercise, len(msg), err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("%s: reading the echo of %d bytes: %v", exercise, len(msg), err)
	}
	if string(got) != string(msg) {
		t.Fatalf("%s: the echo differs from what was sent", exercise)
	}
}
