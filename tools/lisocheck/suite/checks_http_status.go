package suite

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// The status codes the course asks for, each for the requests that must
// get it.
var httpStatusChecks = []Check{
	{
		Name:  "http/400-bad-request",
		Stage: StageHTTP,
		Rule:  "course: a request with bad syntax gets 400 Bad Request: a malformed request line or field line, a garbled or negative Content-Length (RFC 9112 3, 5; RFC 9110 8.6)",
		Doc:   "docs/checkpoint2.md#status-codes",
		Run:   func(c *C) { checkStatuses(c, badRequests, "") },
	},
	{
		Name:  "http/404-not-found",
		Stage: StageHTTP,
		Rule:  "course: a path with no file in the www folder gets 404 Not Found",
		Doc:   "docs/checkpoint2.md#status-codes",
		Run: func(c *C) {
			checkStatuses(c, []statusCase{
				{"no such file", CRLF("GET /no-such-file.html HTTP/1.1\nHost: localhost\n\n"), 404},
				{"no such folder", CRLF("GET /no/such/folder/page.html HTTP/1.1\nHost: localhost\n\n"), 404},
				{"HEAD of no such file", CRLF("HEAD /no-such-file.html HTTP/1.1\nHost: localhost\n\n"), 404},
			}, "")
		},
	},
	{
		Name:  "http/411-length-required",
		Stage: StageHTTP,
		Rule:  "course: a POST with neither Content-Length nor Transfer-Encoding gets 411 Length Required (the handout; RFC 9110 15.5.12 allows it)",
		Doc:   "docs/security.md#malformed-requests-http11-conformance",
		Run: func(c *C) {
			checkStatuses(c, []statusCase{
				{"POST without a length", CRLF("POST /index.html HTTP/1.1\nHost: localhost\n\n"), 411},
				{"POST without a length, with a Content-Type", CRLF("POST /index.html HTTP/1.1\nHost: localhost\nContent-Type: application/x-www-form-urlencoded\n\n"), 411},
			}, "")
		},
	},
	{
		Name:  "http/413-body-too-large",
		Stage: StageHTTP,
		Rule:  "course: a body larger than the server accepts gets 413 Content Too Large, answered from the head alone, without waiting for the body (RFC 9110 15.5.14)",
		Doc:   "docs/checkpoint2.md#status-codes",
		Run: func(c *C) {
			// 1 TiB: more than any server's limit, and never sent.
			checkStatuses(c, []statusCase{
				{"a 1 TiB body announced, not sent", CRLF("POST /index.html HTTP/1.1\nHost: localhost\nContent-Length: 1099511627776\n\n"), 413},
			}, "a server must not wait for, or try to hold, a body over its limit")
		},
	},
	{
		Name:  "http/501-not-implemented",
		Stage: StageHTTP,
		Rule:  "course: a well-formed method other than GET, HEAD and POST gets 501 Not Implemented (RFC 9110 9.1)",
		Doc:   "docs/checkpoint2.md#status-codes",
		Run: func(c *C) {
			checkStatuses(c, []statusCase{
				{"a method of no RFC", CRLF("BREW /index.html HTTP/1.1\nHost: localhost\n\n"), 501},
				{"DELETE", CRLF("DELETE /index.html HTTP/1.1\nHost: localhost\n\n"), 501},
				{"PUT with a body", CRLF("PUT /index.html HTTP/1.1\nHost: localhost\nContent-Length: 5\n\nhello"), 501},
			}, "")
		},
	},
	{
		Name:  "http/505-version-not-supported",
		Stage: StageHTTP,
		Rule:  "course: a well-formed request line of an HTTP version other than 1.x gets 505 HTTP Version Not Supported (RFC 9110 15.6.6)",
		Doc:   "docs/checkpoint2.md#status-codes",
		Run: func(c *C) {
			checkStatuses(c, []statusCase{
				{"HTTP/2.0", CRLF("GET /index.html HTTP/2.0\nHost: localhost\n\n"), 505},
				{"HTTP/3.7", CRLF("GET /index.html HTTP/3.7\nHost: localhost\n\n"), 505},
			}, "")
		},
	},
	{
		Name:  "http/408-header-timeout",
		Stage: StageHTTP,
		Rule:  "course (F19): a request whose head is not complete within the server's timeout gets 408 Request Timeout, and the connection closes",
		Doc:   "docs/checkpoint2.md#status-codes",
		Run:   checkHeaderTimeout,
	},
}

// badRequests must each get 400.
var badRequests = []statusCase{
	{"a request line of one word", CRLF("HELLO\n\n"), 400},
	{"no HTTP version (HTTP/0.9)", CRLF("GET /index.html\n\n"), 400},
	{"four parts in the request line", CRLF("GET /index.html HTTP/1.1 extra\nHost: localhost\n\n"), 400},
	{"a version that is not HTTP", CRLF("GET /index.html HTXP/1.1\nHost: localhost\n\n"), 400},
	{"a field line without a colon", CRLF("GET /index.html HTTP/1.1\nHost: localhost\nNoColonHere\n\n"), 400},
	{"whitespace before a field's colon", CRLF("GET /index.html HTTP/1.1\nHost: localhost\nAccept : */*\n\n"), 400},
	{"a negative Content-Length", CRLF("POST /index.html HTTP/1.1\nHost: localhost\nContent-Length: -1\n\n"), 400},
	{"a garbled Content-Length", CRLF("POST /index.html HTTP/1.1\nHost: localhost\nContent-Length: 12abc\n\n"), 400},
}

// headerMargin is how long past the server's header timeout the 408 check
// waits.
const headerMargin = 3 * time.Second

// checkHeaderTimeout sends part of a head and waits for the 408.
func checkHeaderTimeout(c *C) {
	if c.HeaderTimeout <= 0 {
		c.Skip("the server's header timeout is not known: give it (lisocheck's --header-timeout)")
	}
	raw := CRLF("GET /index.html HTTP/1.1\nHost: localhost\n") // no empty line: the head never ends
	wait := c.HeaderTimeout + headerMargin
	sent := fmt.Sprintf("%s, then nothing for %v", Shorten(raw, 100), wait)
	want := fmt.Sprintf("408 Request Timeout within %v (the header timeout given, %v, and %v more), then the connection closed", c.HeaderTimeout+headerMargin, c.HeaderTimeout, headerMargin)
	conn, err := Dial(c.Addr)
	if err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: want})
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: want})
	}
	start := time.Now()
	conn.SetDeadline(start.Add(wait))
	c.Progress("waiting up to %v for the 408", wait)
	br := bufio.NewReader(conn)
	r, err := ReadReply(br, "GET")
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.Fatal(Failure{Sent: sent, Got: fmt.Sprintf("no answer, the connection still open after %v", wait), Want: want})
	case err != nil:
		c.Fatal(Failure{Sent: sent, Got: fmt.Sprintf("%v after %v", err, time.Since(start).Round(time.Millisecond)), Want: want})
	case r.Status != 408:
		c.Fatal(Failure{Sent: sent, Got: r.Head(), Want: want})
	}
	c.Logf("408 after %v", time.Since(start).Round(10*time.Millisecond))
	if got, closed := expectClosed(conn, br, closeWait); !closed {
		c.Fail(Failure{Sent: sent, Got: "a 408, then " + got, Want: "the connection closed after the 408"})
	}
}
