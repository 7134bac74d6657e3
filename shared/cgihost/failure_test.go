package cgihost_test

import (
	"liso/shared/lisotest"

	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"liso/shared/cgihost"
	"liso/shared/httpconn"
)

type failureTest struct {
	name    string
	script  func(t *testing.T) string
	options func(h *cgihost.Handler) // beyond Script; may be nil
	raw     string
	status  int
	logged  string // a text some log record must hold
	ran     bool   // the script ran: it must have been reaped, and the connection must still serve
}

func router(t *testing.T) string { return routerScript(t) }

// scriptFile writes a script with the given text and mode.
func scriptFile(text string, mode os.FileMode) func(t *testing.T) string {
	return func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "script.cgi")
		if err := os.WriteFile(path, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

var failureTests = []failureTest{
	{name: "missing script: 500",
		script: func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing.cgi") },
		raw:    get("/cgi/x", "close"), status: 500, logged: "no such file"},
	{name: "script not executable: 500",
		script: scriptFile("#!/bin/sh\necho\n", 0o644),
		raw:    get("/cgi/x", "close"), status: 500, logged: "permission denied"},
	{name: "script is a folder: 500",
		script: func(t *testing.T) string { return t.TempDir() },
		raw:    get("/cgi/x", "close"), status: 500, logged: "permission denied"},
	{name: "interpreter missing: 500",
		script: scriptFile("#!/nonexistent/interpreter\n", 0o755),
		raw:    get("/cgi/x", "close"), status: 500, logged: "the interpreter its #! line names, /nonexistent/interpreter, does not exist"},
	{name: "#! line with a carriage return: 500",
		script: scriptFile("#!/bin/sh\r\necho\r\n", 0o755),
		raw:    get("/cgi/x", "close"), status: 500, logged: `its #! line ends in a carriage return (Windows line ends), so the interpreter it names is "/bin/sh\r"`},
	{name: "exits without output: 502",
		script: router, raw: get("/cgi/silent", ""), status: 502, logged: "output ended", ran: true},
	{name: "fails with only stderr: 502",
		script: router, raw: get("/cgi/fail", ""), status: 502, logged: "oops: something broke", ran: true},
	{name: "garbage before a header block: 502",
		script: router, raw: post("/cgi/cat", "hello world\n\n<html>"), status: 502,
		logged: "not a header line", ran: true},
	{name: "header block never ends: 502",
		script: router, raw: post("/cgi/cat", "Content-Type: text/plain\n"), status: 502,
		logged: "output ended", ran: true},
	{name: "header block too large: 502",
		script:  router,
		options: func(h *cgihost.Handler) { h.MaxHeaderBytes = 256 },
		raw:     post("/cgi/cat", "X-Pad: "+strings.Repeat("p", 300)+"\n\n"), status: 502,
		logged: "too large", ran: true},
	{name: "bad Status: 502",
		script: router, raw: post("/cgi/cat", "Status: OK\n\n"), status: 502,
		logged: "bad Status", ran: true},
	{name: "timeout before any output: 504",
		script:  router,
		options: func(h *cgihost.Handler) { h.Timeout = 300 * time.Millisecond },
		raw:     get("/cgi/hang", ""), status: 504, logged: "timed out", ran: true},
}

func TestFailures(t *testing.T) {
	for _, tt := range failureTests {
		t.Run(tt.name, func(t *testing.T) {
			h := &cgihost.Handler{Script: tt.script(t)}
			if tt.options != nil {
				tt.options(h)
			}
			addr, rec := startCGI(t, h)
			raw, methods := tt.raw, []string{"GET"}
			want := []response{errorPage(tt.status, "close")}
			if tt.ran {
				// The connection goes on after the error page.
				raw += get("/cgi/sized", "close")
				methods = append(methods, "GET")
				want = []response{errorPage(tt.status, "keep-alive"), sized("close")}
			}
			got := readResponses(t, lisotest.Exchange(t, addr, raw), methods...)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("answers (-want +got):\n%s\nlog:\n%s", diff, rec)
			}
			if found := rec.find(func(r logRecord) bool {
				return strings.Contains(r.Msg+" "+r.Attrs["err"]+" "+r.Attrs["line"], tt.logged)
			}); len(found) == 0 {
				t.Errorf("no log record mentions %q; log:\n%s", tt.logged, rec)
			}
			if tt.ran {
				// "ended" is logged after the script was reaped, and
				// before its answer left.
				ended := rec.find(func(r logRecord) bool { return r.Msg == "cgi script ended" })
				if len(ended) != 2 || ended[0].Attrs["reason"] == "done" {
					t.Fatalf("scripts ended: %v; want the failed one, then /sized; log:\n%s", ended, rec)
				}
				checkReaped(t, pidOf(t, ended[0]))
			}
		})
	}
}

// Past the timeout, an answer already begun is cut: the client sees the
// connection close before the last chunk.
func TestTimeoutAfterOutputCutsTheConnection(t *testing.T) {
	// The timeout must leave the script time to print its header even on
	// a busy machine: had it fired first, the answer would be a 504 on a
	// connection kept open, and this exchange would wait for its end.
	addr, rec := startCGI(t, &cgihost.Handler{Script: routerScript(t), Timeout: 1500 * time.Millisecond})
	got := lisotest.Exchange(t, addr, get("/cgi/hang-after-header", ""))
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(got, "\r\n\r\n8\r\npartial\n\r\n") {
		t.Errorf("got %q; want a 200 head and the first chunk, then the end of the connection", got)
	}
	ended := rec.ended(t, 1)
	if ended[0].Attrs["reason"] != "timeout" {
		t.Errorf("the script ended with reason %q; want timeout", ended[0].Attrs["reason"])
	}
	checkReaped(t, pidOf(t, ended[0]))
}

// dialCGI serves h over HTTP, or over HTTPS (where a client's close_notify
// alert comes before its FIN), and returns a connection to it and the log.
func dialCGI(t *testing.T, h *cgihost.Handler, useTLS bool) (net.Conn, *logRecorder) {
	t.Helper()
	if useTLS {
		addr, conf, rec := startCGITLS(t, h)
		return tls.Client(lisotest.Dial(t, addr), conf), rec
	}
	addr, rec := startCGI(t, h)
	return lisotest.Dial(t, addr), rec
}

// A client that goes away while its answer is still incomplete gets the
// script killed, whatever the answer's framing.
func TestClientGoneKillsTheScript(t *testing.T) {
	tests := []struct {
		name   string
		role   string // prints "partial\n" and never finishes its answer
		useTLS bool
	}{
		{"chunked", "hang-after-header", false},
		{"chunked over HTTPS", "hang-after-header", true},
		{"Content-Length not reached", "sized-partial", false},
		{"the script's own status line", "nph-partial", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := dialCGI(t, &cgihost.Handler{Script: routerScript(t), Timeout: 10 * hangGuard}, tt.useTLS)
			io.WriteString(c, get("/cgi/"+tt.role, ""))
			readUntilLine(t, bufio.NewReader(c), "partial\n")
			c.Close()
			ended := rec.ended(t, 1)
			if ended[0].Attrs["reason"] != "client gone" {
				t.Errorf("the script ended with reason %q; want client gone", ended[0].Attrs["reason"])
			}
			checkReaped(t, pidOf(t, ended[0]))
		})
	}
}

// A client that goes away in the middle of its request body gets the
// script (which is reading that body) killed.
func TestClientGoneDuringTheBody(t *testing.T) {
	addr, rec := startCGI(t, &cgihost.Handler{Script: routerScript(t), Timeout: 10 * hangGuard})
	c := lisotest.Dial(t, addr)
	io.WriteString(c, "POST /cgi/tee HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc\n")
	rec.waitFor(t, 1, "got abc", func(r logRecord) bool { return r.Attrs["line"] == "got abc" })
	c.Close()
	ended := rec.ended(t, 1)
	if ended[0].Attrs["reason"] != "client gone" {
		t.Errorf("the script ended with reason %q; want client gone", ended[0].Attrs["reason"])
	}
	checkReaped(t, pidOf(t, ended[0]))
}

// A script that leaves a process behind holding its stdout, and exits:
// the answer ends when the script does (its group is killed then), not
// at the timeout, and nothing is left running.
func TestGrandchildDoesNotHoldTheAnswer(t *testing.T) {
	addr, rec := startCGI(t, &cgihost.Handler{Script: routerScript(t), Timeout: 10 * hangGuard})
	got := readResponses(t, lisotest.Exchange(t, addr, get("/cgi/grandchild", "close")), "GET")
	if len(got) != 1 || got[0].Status != 200 || !strings.HasPrefix(got[0].Body, "grandchild ") {
		t.Fatalf("answer %+v; want 200 naming the grandchild", got)
	}
	var grandchild int
	if _, err := fmt.Sscan(strings.TrimPrefix(got[0].Body, "grandchild "), &grandchild); err != nil {
		t.Fatalf("no pid in %q", got[0].Body)
	}
	checkReaped(t, pidOf(t, rec.ended(t, 1)[0]))
	waitDead(t, grandchild)
}

// A script that completes its answer, closes stdout and stays is given
// a moment, then killed.
func TestLingeringScriptIsKilled(t *testing.T) {
	addr, rec := startCGI(t, &cgihost.Handler{Script: routerScript(t), Timeout: 10 * hangGuard})
	got := readResponses(t, lisotest.Exchange(t, addr, get("/cgi/linger", "close")), "GET")
	if len(got) != 1 || got[0].Status != 200 || !strings.HasPrefix(got[0].Body, "linger ") {
		t.Fatalf("answer %+v; want 200", got)
	}
	ended := rec.ended(t, 1)
	if !strings.HasPrefix(ended[0].Attrs["reason"], "killed") {
		t.Errorf("the script ended with reason %q; want killed", ended[0].Attrs["reason"])
	}
	checkReaped(t, pidOf(t, ended[0]))
}

// When the server shuts down and its grace period ends with a script
// still running, closing the connection kills the script: lisod never
// exits leaving scripts behind.
func TestShutdownKillsRunningScripts(t *testing.T) {
	rec := newLogRecorder()
	h := &cgihost.Handler{Script: routerScript(t), Timeout: 10 * hangGuard, Log: slog.New(rec)}
	web := &httpconn.Server{Handler: h, Log: h.Log}
	c := lisotest.Dial(t, lisotest.Serve(t, web))
	io.WriteString(c, get("/cgi/hang-after-header", ""))
	readUntilLine(t, bufio.NewReader(c), "partial\n")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := web.Shutdown(ctx); err == nil {
		t.Errorf("Shutdown = nil; want the report of a connection closed after the grace period")
	}
	ended := rec.ended(t, 1)
	checkReaped(t, pidOf(t, ended[0]))
}

// readUntilLine reads lines from br until one is want.
func readUntilLine(t *testing.T, br *bufio.Reader, want string) {
	t.Helper()
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the answer until %q: %v", want, err)
		}
		if line == want {
			return
		}
	}
}

// A client that leaves once it has its whole answer (curl does, after a
// Content-Length body; a HEAD's answer is its head) has not failed
// anything: the script runs on to its own end, here to write a file after
// its answer, and the log has the exit status it really had.
func TestClientLeavingAfterItsAnswer(t *testing.T) {
	ok := resp(200, "ok\n", false, "Content-Type", "text/plain", "Content-Length", "3", "Connection", "keep-alive")
	head := ok
	head.Body = ""
	tests := []struct {
		name   string
		method string
		useTLS bool
		want   response
	}{
		{"GET", "GET", false, ok},
		{"GET over HTTPS", "GET", true, ok},
		{"HEAD", "HEAD", false, head},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := routerScript(t)
			fifo := makeFIFO(t, script)
			c, rec := dialCGI(t, &cgihost.Handler{Script: script, Timeout: 10 * hangGuard}, tt.useTLS)
			io.WriteString(c, tt.method+" /cgi/sized-wait HTTP/1.1\r\nHost: x\r\n\r\n")
			got := readResponse(t, bufio.NewReader(c), tt.method)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			c.Close()
			// The script waits for the FIFO: if it ends now, it was killed.
			first := rec.waitFor(t, 1, "the client left, or the script ended", func(r logRecord) bool {
				return strings.Contains(r.Msg, "the client left") || r.Msg == "cgi script ended"
			})
			if first[0].Msg == "cgi script ended" {
				t.Fatalf("the script ended (%s, %s) when its client left after the whole answer; log:\n%s",
					first[0].Attrs["reason"], first[0].Attrs["status"], rec)
			}
			writeFIFO(t, fifo, "3\n")
			ended := rec.ended(t, 1)
			if r := ended[0].Attrs; r["reason"] != "done" || r["status"] != "exit status 3" {
				t.Errorf("the script ended with %s, %s; want done, exit status 3", r["reason"], r["status"])
			}
			if data, err := os.ReadFile(filepath.Join(filepath.Dir(script), "finished")); string(data) != "3\n" {
				t.Errorf("the file the script writes after its answer: %q, %v; want \"3\\n\"", data, err)
			}
			checkReaped(t, pidOf(t, ended[0]))
		})
	}
}

// A complete answer does not free the script from its timeout: one that
// runs on after it, with its client gone or not, is killed at the timeout.
func TestTimeoutAfterItsWholeAnswer(t *testing.T) {
	script := routerScript(t)
	makeFIFO(t, script) // never written: the script waits until it is killed
	// As in TestTimeoutAfterOutputCutsTheConnection, the timeout leaves
	// the script time to answer on a busy machine.
	addr, rec := startCGI(t, &cgihost.Handler{Script: script, Timeout: 1500 * time.Millisecond})
	c := lisotest.Dial(t, addr)
	io.WriteString(c, get("/cgi/sized-wait", ""))
	got := readResponse(t, bufio.NewReader(c), "GET")
	want := resp(200, "ok\n", false, "Content-Type", "text/plain", "Content-Length", "3", "Connection", "keep-alive")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	c.Close()
	ended := rec.ended(t, 1)
	if r := ended[0].Attrs; r["reason"] != "timeout" || r["status"] != "signal: killed" {
		t.Errorf("the script ended with %s, %s; want timeout, signal: killed", r["reason"], r["status"])
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "finished")); err == nil {
		t.Errorf("the script wrote its file; want it killed first")
	}
	checkReaped(t, pidOf(t, ended[0]))
}
