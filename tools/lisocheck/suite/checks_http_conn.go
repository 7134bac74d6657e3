package suite

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Persistent connections: what keeps a connection open, what closes it,
// and a request that comes in pieces.
var httpConnChecks = []Check{
	{
		Name:  "http/keep-alive-1.1",
		Stage: StageHTTP,
		Rule:  "course: an HTTP/1.1 connection is persistent unless a request says Connection: close: a second request on it, sent after the first answer, is answered too (RFC 9112 9.3)",
		Doc:   "docs/checkpoint2.md#keep-alive-and-pipelining-rules",
		Run: func(c *C) {
			checkKeptAlive(c, []string{
				CRLF("GET /index.html HTTP/1.1\nHost: localhost\n\n"),
				CRLF("GET /second.txt HTTP/1.1\nHost: localhost\n\n"),
			}, false)
		},
	},
	{
		Name:  "http/keep-alive-1.0",
		Stage: StageHTTP,
		Rule:  "course: an HTTP/1.0 request with Connection: keep-alive (what the graders' ab -k sends) gets an answer that says Connection: keep-alive, and the connection stays open for the next (RFC 9112 9.3)",
		Doc:   "docs/checkpoint2.md#keep-alive-and-pipelining-rules",
		Run: func(c *C) {
			checkKeptAlive(c, []string{abRequest("/index.html"), abRequest("/second.txt"), abRequest("/index.html")}, true)
		},
	},
	{
		Name:  "http/connection-close",
		Stage: StageHTTP,
		Rule:  "course: a request with Connection: close gets its answer, which says Connection: close, and then the server closes the connection (RFC 9112 9.6)",
		Doc:   "docs/checkpoint2.md#keep-alive-and-pipelining-rules",
		Run: func(c *C) {
			raw := CRLF("GET /index.html HTTP/1.1\nHost: localhost\nConnection: close\n\n")
			conn := c.dial(raw)
			defer conn.Close()
			io.WriteString(conn, raw)
			br := bufio.NewReader(conn)
			r, err := ReadReply(br, "GET")
			switch {
			case err != nil:
				c.Fatal(Failure{Sent: raw, Got: err.Error(), Want: "200 OK with Connection: close"})
			case r.Status != 200 || !hasToken(connectionField(r), "close"):
				c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "200 OK with Connection: close"})
			}
			if got, closed := expectClosed(conn, br, closeWait); !closed {
				c.Fail(Failure{Sent: raw, Got: "the answer, then " + got, Want: "the connection closed after the answer"})
			}
		},
	},
	{
		Name:  "http/request-in-pieces",
		Stage: StageHTTP,
		Rule:  "course: never assume a request arrives in one read: a request sent a few bytes at a time is answered as if it came at once (RFC 9112 2.2: TCP keeps no message boundaries)",
		Doc:   "docs/checkpoint2.md#how-an-http11-message-is-framed",
		Run: func(c *C) {
			raw := CRLF("GET /index.html HTTP/1.1\nHost: localhost\nUser-Agent: lisocheck, slowly\nConnection: close\n\n")
			conn := c.dial(raw)
			defer conn.Close()
			conn.(*net.TCPConn).SetNoDelay(true) // each write its own segment
			for i := 0; i < len(raw); i += 3 {
				if _, err := io.WriteString(conn, raw[i:min(i+3, len(raw))]); err != nil {
					c.Fatal(Failure{Sent: raw + " (3 bytes a write)", Got: err.Error(), Want: "the server reads on"})
				}
				time.Sleep(2 * time.Millisecond) // so that the pieces arrive apart
			}
			r, err := ReadReply(bufio.NewReader(conn), "GET")
			switch {
			case err != nil:
				c.Fail(Failure{Sent: raw + " (3 bytes a write)", Got: err.Error(), Want: "200 OK and the page"})
			case r.Status != 200 || string(r.Body) != IndexBody:
				c.Fail(Failure{Sent: raw + " (3 bytes a write)", Got: r.Head(), Want: "200 OK and the page"})
			}
		},
	},
	{
		Name:  "http/post-static",
		Stage: StageHTTP,
		Rule:  "course: the graders POST a form to a static page and accept a 200 with the usual header fields; the body is read (a request pipelined behind it is answered: RFC 9112 6.3)",
		Doc:   "docs/checkpoint2.md#status-codes",
		Run:   checkPostStatic,
	},
	{
		Name:  "http/big-file-sha256",
		Stage: StageHTTP,
		Rule:  "course: a big binary file comes back whole and unchanged (its SHA-256 compared): a server must loop on its writes",
		Doc:   "docs/checkpoint2.md#how-an-http11-message-is-framed",
		Run: func(c *C) {
			for range 2 { // twice: a cache must not change it
				r, raw, err := Get(c.Addr, "GET", BigPath)
				got := fmt.Sprintf("%x", sha256Sum(r.Body))
				switch {
				case err != nil:
					c.Fatal(Failure{Sent: raw, Got: err.Error(), Want: fmt.Sprintf("200 and the %d bytes of the file", len(c.Site.Files[BigPath]))})
				case r.Status != 200:
					c.Fatal(Failure{Sent: raw, Got: r.Head(), Want: "200 and the file"})
				case got != c.Site.BigSum():
					c.Fatal(Failure{Sent: raw, Got: fmt.Sprintf("%d bytes whose SHA-256 is %s", len(r.Body), got), Want: fmt.Sprintf("the %d bytes of the file, SHA-256 %s", len(c.Site.Files[BigPath]), c.Site.BigSum())})
				}
			}
		},
	},
	{
		Name:  "http/access-log",
		Stage: StageHTTP,
		Rule:  "course: each request is logged to the log file argument, \"such as in Common Log Format\": the client's address, the request and the status code",
		Doc:   "docs/checkpoint2.md#the-tests-that-prove-it",
		Run:   checkAccessLog,
	},
}

// abRequest is a request as ab -k sends it: HTTP/1.0 asking to keep alive.
func abRequest(path string) string {
	return CRLF("GET " + path + " HTTP/1.0\nConnection: Keep-Alive\nHost: localhost\nUser-Agent: ApacheBench/2.3\nAccept: */*\n\n")
}

// checkKeptAlive sends each request on one connection after the answer to
// the one before, and checks that each is answered and the connection
// stays open. With sayKeepAlive, each answer must say Connection:
// keep-alive (HTTP/1.0 is closed unless the answer says it is not).
func checkKeptAlive(c *C, requests []string, sayKeepAlive bool) {
	conn, err := Dial(c.Addr)
	if err != nil {
		c.Fatal(Failure{Sent: requests[0], Got: err.Error(), Want: "a connection"})
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i, raw := range requests {
		sent := fmt.Sprintf("request %d of %d on one connection, after the answer to the one before:\r\n%s", i+1, len(requests), raw)
		path := strings.Fields(raw)[1]
		want := c.Site.Files[path]
		if _, err := io.WriteString(conn, raw); err != nil {
			c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "the connection still open"})
		}
		r, err := ReadReply(br, "GET")
		switch {
		case err != nil && Closed(err) && i > 0:
			c.Fatal(Failure{Sent: sent, Got: "the connection closed: " + err.Error(), Want: "the connection kept open, and 200 OK"})
		case err != nil:
			c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "200 OK"})
		case r.Status != 200 || !bytes.Equal(r.Body, want):
			c.Fatal(Failure{Sent: sent, Got: r.Head(), Want: "200 OK and " + Shorten(string(want), 100)})
		case sayKeepAlive && !hasToken(connectionField(r), "keep-alive"):
			c.Fatal(Failure{Sent: sent, Got: r.Head(), Want: "Connection: keep-alive"})
		case r.Close:
			c.Fatal(Failure{Sent: sent, Got: r.Head(), Want: "an answer that keeps the connection open"})
		}
	}
}

// checkPostStatic posts a form to /index.html and, in the same write, a
// GET behind it.
func checkPostStatic(c *C) {
	raw := CRLF("POST /index.html HTTP/1.1\nHost: localhost\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 10\n\nnote=hello") +
		CRLF("GET /second.txt HTTP/1.1\nHost: localhost\nConnection: close\n\n")
	conn := c.dial(raw)
	defer conn.Close()
	io.WriteString(conn, raw)
	br := bufio.NewReader(conn)
	post, err := ReadReply(br, "POST")
	if err != nil {
		c.Fatal(Failure{Sent: raw, Got: err.Error(), Want: "200 OK to the POST"})
	}
	var missing []string
	for _, f := range []string{"Server", "Date", "Content-Length", "Content-Type", "Connection"} {
		if post.Header.Get(f) == "" && (f != "Connection" || connectionField(post) == "") {
			missing = append(missing, f)
		}
	}
	if post.Status != 200 || len(missing) > 0 {
		c.Fatal(Failure{Sent: raw, Got: post.Head(), Want: "200 OK with Server, Date, Content-Length, Content-Type and Connection", Note: fmt.Sprintf("missing: %v", missing)})
	}
	get, err := ReadReply(br, "GET")
	switch {
	case err != nil:
		c.Fail(Failure{Sent: raw, Got: "the POST's answer, then " + err.Error(), Want: "the GET pipelined behind the POST answered: 200 and " + SecondBody, Note: "a server that does not read the POST's body takes it for the next request"})
	case get.Status != 200 || string(get.Body) != SecondBody:
		c.Fail(Failure{Sent: raw, Got: "the POST's answer, then " + get.Head(), Want: "200 and " + SecondBody, Note: "a server that does not read the POST's body takes it for the next request"})
	}
}

// checkAccessLog makes a request with a path of its own and looks for it
// in the server's log file.
func checkAccessLog(c *C) {
	if c.Server == nil {
		c.Skip("reads the server's log file: give the server's command line after -- instead of --addr")
	}
	path := fmt.Sprintf("/lisocheck-log-probe-%d.html", time.Now().UnixNano())
	raw := CRLF("GET " + path + " HTTP/1.1\nHost: localhost\nConnection: close\n\n")
	if _, err := firstAnswer(c.Addr, raw, HangGuard); err != nil {
		c.Fatal(Failure{Sent: raw, Got: err.Error(), Want: "404 Not Found"})
	}
	// The server may write its log in batches: wait for the line a while.
	deadline := time.Now().Add(closeWait)
	var line string
	for line == "" && time.Now().Before(deadline) {
		if c.Context().Err() != nil {
			return
		}
		line = logLine(c.Server.Log, path)
		time.Sleep(50 * time.Millisecond) // polling an observable condition, bounded above
	}
	switch {
	case line == "":
		c.Fail(Failure{Sent: raw, Got: "no line with " + path + " in " + c.Server.Log, Want: "a line with the client's address, the request line and 404", Note: "the file's last lines: " + Shorten(logTail(c.Server.Log, 600), 600)})
	case !strings.Contains(line, "127.0.0.1") || !strings.Contains(line, "404"):
		c.Fail(Failure{Sent: raw, Got: line, Want: "the client's address (127.0.0.1), the request (GET " + path + " HTTP/1.1) and the status (404) on the line, as Common Log Format has them"})
	}
}
