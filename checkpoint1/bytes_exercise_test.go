//go:build exercises

package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// traffic is what lisod says it received from and sent to one client.
type traffic struct{ In, Out int }

var (
	exClosedLineRE = regexp.MustCompile(`(?m)^.*msg="connection closed".*$`)
	exAttrRE       = regexp.MustCompile(`\b(remote|in|out)=(\S+)`)
)

// Exercise 2: byte counts. When a connection ends, lisod logs one line at
// level INFO, msg="connection closed", with the client's address and the
// bytes received from it and sent to it:
//
//	level=INFO msg="connection closed" remote=127.0.0.1:40312 in=70000 out=70000
//
// See docs/checkpoint1.md, "Exercises".
func TestExercise2ByteCounts(t *testing.T) {
	const ex = "exercise 2 (byte counts)"
	p, addr := exStart(t, ex, "--bind", "127.0.0.1", "0")

	want := map[string]traffic{}
	for _, size := range []int{1, 1000, 70000} { // 70000: more than one read buffer
		c := exDial(t, addr)
		msg := bytes.Repeat([]byte("x"), size)
		for len(msg) > 0 { // in writes of up to 16 KiB, as a client may send them
			chunk := msg[:min(len(msg), 16<<10)]
			exEcho(t, ex, c, chunk)
			msg = msg[len(chunk):]
		}
		want[c.LocalAddr().String()] = traffic{size, size}
		c.Close()
	}
	// SIGTERM: lisod finishes every connection, and its log, before it exits.
	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, hangGuard); code != 0 {
		t.Fatalf("%s: exit code after SIGTERM = %d; want 0; stderr:\n%s", ex, code, p.Stderr())
	}

	lines := exClosedLineRE.FindAllString(p.Stderr(), -1)
	if len(lines) == 0 {
		t.Fatalf("%s: lisod logged no line with msg=\"connection closed\" at level INFO; want one per connection, "+
			"with remote=, in= and out=; the log was:\n%s", ex, p.Stderr())
	}
	got := map[string]traffic{}
	for _, line := range lines {
		attrs := map[string]string{}
		for _, m := range exAttrRE.FindAllStringSubmatch(line, -1) {
			attrs[m[1]] = m[2]
		}
		in, errIn := strconv.Atoi(attrs["in"])
		out, errOut := strconv.Atoi(attrs["out"])
		if attrs["remote"] == "" || errIn != nil || errOut != nil || !strings.Contains(line, "level=INFO") {
			t.Fatalf("%s: the line %q lacks level=INFO, remote=ADDR, in=N or out=N", ex, line)
		}
		got[attrs["remote"]] = traffic{in, out}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: bytes per connection, by client address (-want +got):\n%s", ex, diff)
	}
}
