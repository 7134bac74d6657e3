package suite

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Pipelining: several requests in one write, answered in order.
var httpPipeliningChecks = []Check{
	{
		Name:  "http/pipelining-course-files",
		Stage: StageHTTP,
		Rule:  "course: the graders' pipelining files, sent in one write as ncat sends them (HTTP/1.1, bare LF line ends, no Host field), are answered in order; a bad one gets 400 and the connection closes",
		Doc:   "docs/checkpoint2.md#keep-alive-and-pipelining-rules",
		Run: func(c *C) {
			if c.Strict {
				c.Logf("--strict: each request of the files names a Host")
			}
			for _, tt := range coursePipelining {
				raw := numberPages(tt.raw)
				if c.Strict {
					// RFC 9112 3.2 answers an HTTP/1.1 request without Host
					// with 400, as http/strict-missing-host checks: the
					// files get one here, and test the pipelining alone.
					raw = strings.ReplaceAll(raw, " HTTP/1.1\n", " HTTP/1.1\nHost: localhost\n")
				}
				checkPipelined(c, tt.name, raw, tt.want, tt.closes)
			}
		},
	},
	{
		Name:  "http/pipelining-with-host",
		Stage: StageHTTP,
		Rule:  "course: pipelining is required: a burst of requests in one write (GET and HEAD, with Host, CRLF) is answered in request order on the one connection; the last asks to close (RFC 9112 9.3.2)",
		Doc:   "docs/checkpoint2.md#keep-alive-and-pipelining-rules",
		Run: func(c *C) {
			var raw strings.Builder
			var want []pipelined
			for round := range 3 {
				for i := 1; i <= 5; i++ {
					fmt.Fprintf(&raw, "GET /%d.html HTTP/1.1\r\nHost: localhost\r\n\r\n", i)
					want = append(want, pipelined{"GET", 200, PageBody(i)})
				}
				raw.WriteString("HEAD /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
				want = append(want, pipelined{"HEAD", 200, ""})
				if round == 2 {
					raw.WriteString("GET /second.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
				} else {
					raw.WriteString("GET /second.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
				}
				want = append(want, pipelined{"GET", 200, SecondBody})
			}
			checkPipelined(c, fmt.Sprintf("%d requests in one write", len(want)), raw.String(), want, true)
		},
	},
	{
		Name:  "http/pipelining-after-errors",
		Stage: StageHTTP,
		Rule:  "course: after an error that leaves the framing intact (404, 501) the server still answers the next pipelined request",
		Doc:   "docs/checkpoint2.md#keep-alive-and-pipelining-rules",
		Run: func(c *C) {
			raw := CRLF("GET /no-such-file.html HTTP/1.1\nHost: localhost\n\n" +
				"GET /1.html HTTP/1.1\nHost: localhost\n\n" +
				"BREW /index.html HTTP/1.1\nHost: localhost\n\n" +
				"GET /second.txt HTTP/1.1\nHost: localhost\nConnection: close\n\n")
			checkPipelined(c, "a 404, a 200, a 501 and a 200 in one write", raw,
				[]pipelined{{"GET", 404, ""}, {"GET", 200, PageBody(1)}, {"BREW", 501, ""}, {"GET", 200, SecondBody}}, true)
		},
	},
}

// pipelined is one answer a pipelined burst must get, in its place.
type pipelined struct {
	method string
	status int
	body   string // for a 200 to a GET
}

// coursePipelining are the graders' request files, in their own shape:
// /N.html is numbered 1, 2... in order of appearance.
var coursePipelining = []struct {
	name   string
	raw    string
	want   []pipelined
	closes bool // the server must close the connection after the last
}{
	{"five kept alive", strings.Repeat("GET /N.html HTTP/1.1\nConnection: Keep-Alive\n\n", 5), pageAnswers(5), false},
	{"the last asks to close", strings.Repeat("GET /N.html HTTP/1.1\nConnection: Keep-Alive\n\n", 4) + "GET /N.html HTTP/1.1\nConnection: Close\n\n", pageAnswers(5), true},
	{"a field line without a colon, then garbage", "GET /index.html HTTP/1.1\nConnection: Cl\nwose\n\nasdlfkashdjkfwheluifhuiohvjisdfnvklsdhfgjkh", []pipelined{{"GET", 400, ""}}, true},
}

// pageAnswers are the answers to GET /1.html to /n.html.
func pageAnswers(n int) []pipelined {
	var p []pipelined
	for i := 1; i <= n; i++ {
		p = append(p, pipelined{"GET", 200, PageBody(i)})
	}
	return p
}

// numberPages replaces each /N.html of raw with /1.html, /2.html...
func numberPages(raw string) string {
	for i := 1; strings.Contains(raw, "/N.html"); i++ {
		raw = strings.Replace(raw, "/N.html", "/"+strconv.Itoa(i)+".html", 1)
	}
	return raw
}

// checkPipelined sends raw in one write and reads the answers in order;
// with closes, the server must then close the connection.
func checkPipelined(c *C, name, raw string, want []pipelined, closes bool) {
	sent := name + ", in one write:\r\n" + Shorten(raw, 600)
	conn, err := Dial(c.Addr)
	if err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "a connection"})
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "the server reads the requests"})
	}
	br := bufio.NewReader(conn)
	for i, w := range want {
		wantText := fmt.Sprintf("answer %d of %d: %d", i+1, len(want), w.status)
		if w.body != "" {
			wantText += " with " + Shorten(w.body, 80)
		}
		r, err := ReadReply(br, w.method)
		switch {
		case err != nil:
			c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("answer %d: %v", i+1, err), Want: wantText})
			return
		case r.Status != w.status || (w.body != "" && string(r.Body) != w.body):
			c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("answer %d: %s", i+1, r.Head()), Want: wantText + " (answers in request order)"})
			return
		}
	}
	if closes {
		if got, closed := expectClosed(conn, br, closeWait); !closed {
			c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("the %d answers, then %s", len(want), got), Want: "the connection closed after the last answer"})
		}
	}
}
