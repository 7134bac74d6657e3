package suite

// This file holds checkpoint 3's CGI checks, against the site's CGI script
// (site.go): the environment the course lists, both styles of script
// output, the request body on the script's stdin, a slow script beside
// fast requests, and a script that fails. The robustness checks of CGI
// (hostile requests and scripts) are in checks_cgi_robust.go.

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-cmp/cmp"
)

// cgiChecks are the checks of this file and of checks_cgi_robust.go, in
// the order they run within their stage.
var cgiChecks = slices.Concat(cgiStageChecks, cgiRobustChecks)

var cgiStageChecks = []Check{
	{
		Name:  "cgi/env",
		Stage: StageHTTPS,
		Rule:  "course: the script's environment (RFC 3875 4.1), for the handout's example /cgi/testfun/arg1/arg2/arg3?test=test; REQUEST_URI with or without the query (the handout leaves it out, Apache and nginx keep it)",
		Doc:   "docs/checkpoint3.md#rfc-3875-on-one-page",
		Run:   func(c *C) { checkRequestEnv(c, false) },
	},
	{
		Name:  "cgi/env-https",
		Stage: StageHTTPS,
		Rule:  "course: the same environment for a request over HTTPS, with SERVER_PORT the port the request came in on (RFC 3875 4.1.16)",
		Doc:   "docs/checkpoint3.md#rfc-3875-on-one-page",
		Run:   func(c *C) { checkRequestEnv(c, true) },
	},
	{
		Name:  "cgi/env-http-headers",
		Stage: StageHTTPS,
		Rule:  "course: HTTP_ACCEPT, HTTP_REFERER, HTTP_ACCEPT_ENCODING, HTTP_ACCEPT_LANGUAGE, HTTP_ACCEPT_CHARSET, HTTP_HOST, HTTP_COOKIE, HTTP_USER_AGENT and HTTP_CONNECTION from the request's header fields (RFC 3875 4.1.18)",
		Doc:   "docs/checkpoint3.md#rfc-3875-on-one-page",
		Run:   checkHeaderEnv,
	},
	{
		Name:  "cgi/env-post",
		Stage: StageHTTPS,
		Rule:  "course: CONTENT_LENGTH and CONTENT_TYPE describe a request's body (RFC 3875 4.1.2, 4.1.3)",
		Doc:   "docs/checkpoint3.md#rfc-3875-on-one-page",
		Run: func(c *C) {
			body := "name=lisocheck&note=a+body"
			raw := CRLF("POST /cgi/form HTTP/1.1\nHost: localhost\nContent-Type: application/x-www-form-urlencoded\nContent-Length: " + strconv.Itoa(len(body)) + "\nConnection: close\n\n" + body)
			env := scriptEnv(c, c.Addr, false, raw)
			want := map[string]string{"REQUEST_METHOD": "POST", "CONTENT_LENGTH": strconv.Itoa(len(body)), "CONTENT_TYPE": "application/x-www-form-urlencoded"}
			if diff := cmp.Diff(want, pick(env, want)); diff != "" {
				c.Fail(Failure{Sent: raw, Got: "the script's environment differs", Want: "REQUEST_METHOD, CONTENT_LENGTH and CONTENT_TYPE of the POST", Note: "(-want +got):\n" + diff})
			}
		},
	},
	{
		Name:  "cgi/server-software-liso",
		Stage: StageHTTPS,
		Rule:  "course: SERVER_SOFTWARE is Liso/1.0, the value the handout gives (as the Server header field)",
		Doc:   "docs/checkpoint3.md#rfc-3875-on-one-page",
		Run: func(c *C) {
			raw := exampleRequest(nil)
			if got := scriptEnv(c, c.Addr, false, raw)["SERVER_SOFTWARE"]; got != "Liso/1.0" {
				c.Fail(Failure{Sent: raw, Got: "SERVER_SOFTWARE=" + got, Want: "SERVER_SOFTWARE=Liso/1.0"})
			}
		},
	},
	{
		Name:  "cgi/nph-script",
		Stage: StageHTTPS,
		Rule:  "course: the course's scripts print a whole answer, status line included (a non-parsed-header script, RFC 3875 5); it reaches the client as the script wrote it",
		Doc:   "docs/checkpoint3.md#what-lisod-decides-where-the-course-and-the-rfc-leave-a-choice",
		Run: func(c *C) {
			r, raw, err := Get(c.Addr, "GET", "/cgi/nph")
			want := `200 with the body "non-parsed header answer\n"`
			switch {
			case err != nil:
				c.Fail(Failure{Sent: raw, Got: err.Error(), Want: want})
			case r.Status != 200 || string(r.Body) != "non-parsed header answer\n":
				c.Fail(Failure{Sent: raw, Got: r.Head(), Want: want})
			}
		},
	},
	{
		Name:  "cgi/header-script",
		Stage: StageHTTPS,
		Rule:  "course: a script that prints RFC 3875 header fields instead: Status sets the status (RFC 3875 6.3.3), Content-Type says what the body is; without Status, 200",
		Doc:   "docs/checkpoint3.md#rfc-3875-on-one-page",
		Run: func(c *C) {
			for _, tt := range []struct {
				path, ctype, body string
				status            int
			}{
				{"/cgi/status", "text/plain", "created\n", 201},
				{"/cgi/", "text/plain", "", 200},
			} {
				r, raw, err := Get(c.Addr, "GET", tt.path)
				want := fmt.Sprintf("%d with Content-Type: %s", tt.status, tt.ctype)
				switch {
				case err != nil:
					c.Fail(Failure{Sent: raw, Got: err.Error(), Want: want})
				case r.Status != tt.status || r.Header.Get("Content-Type") != tt.ctype || tt.body != "" && string(r.Body) != tt.body:
					c.Fail(Failure{Sent: raw, Got: r.Head(), Want: want})
				}
			}
		},
	},
	{
		Name:  "cgi/post-body-to-stdin",
		Stage: StageHTTPS,
		Rule:  "course: the request body goes to the script's stdin (RFC 3875 4.2)",
		Doc:   "docs/checkpoint3.md#rfc-3875-on-one-page",
		Run: func(c *C) {
			checkEcho(c, []byte("message=hello, CGI\n"))
		},
	},
	{
		Name:  "cgi/post-large-body",
		Stage: StageHTTPS,
		Rule:  "course: a large body goes to the script's stdin while its output comes back: \"use select so that you don't block\" (a server that writes all of stdin before it reads stdout deadlocks once the pipes fill)",
		Doc:   "docs/checkpoint3.md#from-the-courses-recipe-to-go",
		Run: func(c *C) {
			checkEcho(c, c.Site.Files[BigPath])
		},
	},
	{
		Name:  "cgi/slow-script-blocks-nobody",
		Stage: StageHTTPS,
		Rule:  "course: a slow script must not block other clients (C servers put the script's pipes into their select loop)",
		Doc:   "docs/checkpoint3.md#from-the-courses-recipe-to-go",
		Run:   checkSlowScript,
	},
	{
		Name:  "cgi/failing-script",
		Stage: StageHTTPS,
		Rule:  "course: any CGI failure is a 5xx, never a hang, and the server goes on (a script that exits 1 without output: RFC 3875 6.1 asks for at least one header field)",
		Doc:   "docs/checkpoint3.md#when-things-go-wrong",
		Run: func(c *C) {
			r, raw, err := Get(c.Addr, "GET", "/cgi/fail")
			switch {
			case err != nil:
				c.Fail(Failure{Sent: raw, Got: err.Error(), Want: "a 5xx answer"})
			case r.Status/100 != 5:
				c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "a 5xx answer"})
			}
			r, raw, err = Get(c.Addr, "GET", "/index.html")
			if err != nil || r.Status != 200 {
				c.Fail(Failure{Sent: raw, Got: gotOf(r, err), Want: "200: the server goes on after a failed script"})
			}
		},
	},
}

// exampleRequest is the course's example request, with extra fields
// (name, value pairs) after Host, and Connection: close.
func exampleRequest(fields [][2]string) string {
	var b strings.Builder
	b.WriteString("GET /cgi/testfun/arg1/arg2/arg3?test=test HTTP/1.1\r\nHost: localhost\r\n")
	for _, f := range fields {
		b.WriteString(f[0] + ": " + f[1] + "\r\n")
	}
	if !slices.ContainsFunc(fields, func(f [2]string) bool { return f[0] == "Connection" }) {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// checkRequestEnv sends the course's example over HTTP or HTTPS and
// compares the variables that describe the request.
func checkRequestEnv(c *C, secure bool) {
	addr := c.Addr
	if secure {
		addr = c.TLSAddr
	}
	raw := exampleRequest(nil)
	env := scriptEnv(c, addr, secure, raw)
	want := map[string]string{
		"GATEWAY_INTERFACE": "CGI/1.1",
		"PATH_INFO":         "/testfun/arg1/arg2/arg3",
		"QUERY_STRING":      "test=test",
		"REMOTE_ADDR":       "127.0.0.1",
		"REQUEST_METHOD":    "GET",
		"REQUEST_URI":       "/cgi/testfun/arg1/arg2/arg3",
		"SCRIPT_NAME":       "/cgi",
		"SERVER_PORT":       port(addr),
		"SERVER_PROTOCOL":   "HTTP/1.1",
		"SERVER_SOFTWARE":   "(set)",
	}
	got := pick(env, want)
	// The course's handout leaves the query out of REQUEST_URI; Apache,
	// nginx and lisod keep it, as the request sent it. Either is right.
	if got["REQUEST_URI"] == want["REQUEST_URI"]+"?test=test" {
		got["REQUEST_URI"] = want["REQUEST_URI"]
	}
	if v, ok := got["SERVER_SOFTWARE"]; ok && v != "" {
		got["SERVER_SOFTWARE"] = "(set)" // any name; cgi/server-software-liso checks the course's
	}
	if diff := cmp.Diff(want, got); diff != "" {
		c.Fail(Failure{Sent: raw, Got: "the script's environment differs", Want: "the variables of the course's example request", Note: "(-want +got):\n" + diff})
	}
}

// exampleFields are the header fields the course lists, and the variable
// each becomes.
var exampleFields = []struct{ field, value, variable string }{
	{"Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "HTTP_ACCEPT"},
	{"Referer", "http://localhost/cgi/", "HTTP_REFERER"},
	{"Accept-Encoding", "identity", "HTTP_ACCEPT_ENCODING"},
	{"Accept-Language", "en-US,en;q=0.5", "HTTP_ACCEPT_LANGUAGE"},
	{"Accept-Charset", "utf-8", "HTTP_ACCEPT_CHARSET"},
	{"Cookie", "session=lisocheck; theme=dark", "HTTP_COOKIE"},
	{"User-Agent", "lisocheck", "HTTP_USER_AGENT"},
	{"Connection", "close", "HTTP_CONNECTION"},
}

func checkHeaderEnv(c *C) {
	var fields [][2]string
	want := map[string]string{"HTTP_HOST": "localhost"}
	for _, f := range exampleFields {
		fields = append(fields, [2]string{f.field, f.value})
		want[f.variable] = f.value
	}
	raw := exampleRequest(fields)
	if diff := cmp.Diff(want, pick(scriptEnv(c, c.Addr, false, raw), want)); diff != "" {
		c.Fail(Failure{Sent: raw, Got: "the script's environment differs", Want: "an HTTP_* variable for each header field, its value as sent", Note: "(-want +got):\n" + diff})
	}
}

// pick is env's entries for the names in want.
func pick(env, want map[string]string) map[string]string {
	got := map[string]string{}
	for k := range want {
		if v, ok := env[k]; ok {
			got[k] = v
		}
	}
	return got
}

// scriptEnv sends raw to addr and returns the environment the site's
// script printed, one NAME=value a line; it ends the check when there is
// no such answer.
func scriptEnv(c *C, addr string, secure bool, raw string) map[string]string {
	r, err := exchangeOne(c, addr, secure, raw)
	if err != nil {
		c.Fatal(Failure{Sent: raw, Got: err.Error(), Want: "200 with the script's environment"})
	}
	if r.Status != 200 {
		c.Fatal(Failure{Sent: raw, Got: r.Head(), Want: "200 with the script's environment"})
	}
	return parseEnv(string(r.Body))
}

// parseEnv reads env(1)'s output.
func parseEnv(out string) map[string]string {
	env := map[string]string{}
	for line := range strings.SplitSeq(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env
}

// gotOf is what came back, for a failure: the error, or the answer.
func gotOf(r Reply, err error) string {
	if err != nil {
		return err.Error()
	}
	return r.Head()
}

// exchangeOne sends raw on a new connection to addr, over TLS when secure,
// and reads one answer.
func exchangeOne(c *C, addr string, secure bool, raw string) (Reply, error) {
	var conn net.Conn
	var err error
	if secure {
		t := *c.Target
		t.TLSAddr = addr
		conn, err = t.DialTLS(nil)
	} else {
		conn, err = Dial(addr)
	}
	if err != nil {
		return Reply{}, err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		return Reply{}, err
	}
	return ReadReply(bufio.NewReader(conn), Method(raw))
}

// checkEcho posts body to /cgi/echo, which copies its stdin to stdout,
// and compares what comes back. The body is written while the answer is
// read, as a browser does.
func checkEcho(c *C, body []byte) {
	head := CRLF("POST /cgi/echo HTTP/1.1\nHost: localhost\nContent-Type: application/octet-stream\nContent-Length: " + strconv.Itoa(len(body)) + "\nConnection: close\n\n")
	sent := Shorten(head+string(body), 300)
	conn, err := Dial(c.Addr)
	if err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "the body back"})
	}
	defer conn.Close()
	var wg sync.WaitGroup
	var werr error
	wg.Go(func() {
		if _, werr = io.WriteString(conn, head); werr == nil {
			_, werr = conn.Write(body)
		}
	})
	r, err := ReadReply(bufio.NewReader(conn), "POST")
	conn.Close() // ends the writer, if the server stopped reading
	wg.Wait()
	want := fmt.Sprintf("200 with the %d bytes sent (SHA-256 %.16x…)", len(body), sha256.Sum256(body))
	switch {
	case err != nil:
		got := err.Error()
		if werr != nil {
			got += "; writing the body: " + werr.Error()
		}
		c.Fail(Failure{Sent: sent, Got: got, Want: want})
	case r.Status != 200 || string(r.Body) != string(body):
		got := r.Head()
		if len(r.Body) > 200 {
			got = fmt.Sprintf("%s %d\n(%d bytes, SHA-256 %.16x…)", r.Proto, r.Status, len(r.Body), sha256.Sum256(r.Body))
		}
		c.Fail(Failure{Sent: sent, Got: got, Want: want})
	}
}

const (
	slowScript = 3 * time.Second // how long /cgi/slow takes
	// fastWithin bounds the answers beside the slow script: well under
	// its 3 s, generous for a loaded machine.
	fastWithin = time.Second
)

// checkSlowScript starts /cgi/slow, then asks for a file and for a fast
// script on other connections while it runs.
func checkSlowScript(c *C) {
	slowRaw := CRLF("GET /cgi/slow HTTP/1.1\nHost: localhost\nConnection: close\n\n")
	slow, err := Dial(c.Addr)
	if err != nil {
		c.Fatal(Failure{Sent: slowRaw, Got: err.Error(), Want: "an answer"})
	}
	defer slow.Close()
	start := time.Now()
	if _, err := io.WriteString(slow, slowRaw); err != nil {
		c.Fatal(Failure{Sent: slowRaw, Got: err.Error(), Want: "an answer"})
	}
	slowDone := make(chan struct{})
	var slowReply Reply
	var slowErr error
	go func() {
		defer close(slowDone)
		slowReply, slowErr = ReadReply(bufio.NewReader(slow), "GET")
	}()
	for _, path := range []string{"/index.html", "/cgi/status", "/second.txt"} {
		t0 := time.Now()
		r, raw, err := Get(c.Addr, "GET", path)
		took := time.Since(t0)
		want := fmt.Sprintf("an answer within %v while /cgi/slow (%v) runs", fastWithin, slowScript)
		switch {
		case err != nil:
			c.Fail(Failure{Sent: raw, Got: err.Error(), Want: want})
		case r.Status/100 != 2:
			c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "a 2xx, " + want})
		case took > fastWithin:
			c.Fail(Failure{Sent: raw, Got: fmt.Sprintf("answered after %v", took.Round(time.Millisecond)), Want: want})
		}
	}
	select {
	case <-slowDone:
		c.Fail(Failure{Sent: slowRaw, Got: fmt.Sprintf("answered after %v", time.Since(start).Round(time.Millisecond)), Want: "the slow script's answer after the others", Note: "the script sleeps 3 s: it did not run, or ran before the check could ask beside it"})
	default:
	}
	<-slowDone
	c.Logf("/cgi/slow answered after %v", time.Since(start).Round(time.Millisecond))
	if slowErr != nil || slowReply.Status != 200 || string(slowReply.Body) != "slow answer\n" {
		c.Fail(Failure{Sent: slowRaw, Got: gotOf(slowReply, slowErr), Want: `200 with "slow answer\n"`})
	}
}
