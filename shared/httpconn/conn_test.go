package httpconn_test

import (
	"fmt"
	"liso/shared/lisotest"

	"bufio"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
)

func ok(body string, extra ...string) response {
	r := response{Status: 200, Body: body, Header: map[string]string{"Server": "Liso/1.0", "Connection": "keep-alive"}}
	for i := 0; i+1 < len(extra); i += 2 {
		r.Header[extra[i]] = extra[i+1]
	}
	return r
}

func hello(conn string) response {
	return ok("hello", "Content-Length", "5", "Content-Type", "text/plain", "Connection", conn)
}

func errResp(code int, conn string) response {
	return response{Status: code, Body: errorPageFor(code), Header: map[string]string{
		"Server": "Liso/1.0", "Connection": conn, "Content-Type": "text/html",
		"Content-Length": itoa(len(errorPageFor(code)))}}
}

type exchangeTest struct {
	name    string
	raw     string   // sent on one connection, all at once
	methods []string // of the requests answered, for parsing the answers
	want    []response
}

var exchangeTests = []exchangeTest{
	{"one request, then close", crlf("GET /hello HTTP/1.1\nHost: x\nConnection: close\n\n"),
		[]string{"GET"}, []response{hello("close")}},
	{"three pipelined, answered in order", crlf("GET /hello HTTP/1.1\nHost: x\n\nPOST /echo HTTP/1.1\nHost: x\nContent-Length: 3\n\nabcGET /hello HTTP/1.1\nHost: x\nConnection: close\n\n"),
		[]string{"GET", "POST", "GET"}, []response{hello("keep-alive"), ok("abc", "Content-Length", "3"), hello("close")}},
	{"HTTP/1.0 closes by default", crlf("GET /hello HTTP/1.0\n\nGET /hello HTTP/1.0\n\n"),
		[]string{"GET"}, []response{hello("close")}},
	{"HTTP/1.0 keep-alive (ab -k)", crlf("GET /hello HTTP/1.0\nConnection: keep-alive\n\nGET /hello HTTP/1.0\n\n"),
		[]string{"GET", "GET"}, []response{hello("keep-alive"), hello("close")}},
	{"501 keeps the connection", crlf("DELETE /hello HTTP/1.1\nHost: x\nContent-Length: 2\n\nxyGET /hello HTTP/1.1\nHost: x\nConnection: close\n\n"),
		[]string{"DELETE", "GET"}, []response{errResp(501, "keep-alive"), hello("close")}},
	{"404 keeps the connection", crlf("GET /nothing HTTP/1.1\nHost: x\n\nGET /hello HTTP/1.1\nHost: x\nConnection: close\n\n"),
		[]string{"GET", "GET"}, []response{errResp(404, "keep-alive"), hello("close")}},
	{"500 from a handler keeps the connection", crlf("GET /fail HTTP/1.1\nHost: x\n\nGET /hello HTTP/1.1\nHost: x\nConnection: close\n\n"),
		[]string{"GET", "GET"}, []response{errResp(500, "keep-alive"), hello("close")}},
	{"400 closes: framing is lost", crlf("GET /hello  HTTP/1.1\nHost: x\n\nGET /hello HTTP/1.1\nHost: x\n\n"),
		[]string{"GET"}, []response{errResp(400, "close")}},
	// The course graders' pipelining files: HTTP/1.1 requests with no
	// Host, many in one write. By default they are served (RequireHost).
	{"pipelined without Host, answered in order", crlf("GET /hello HTTP/1.1\n\nGET /nothing HTTP/1.1\n\nHEAD /hello HTTP/1.1\n\nGET /hello HTTP/1.1\nConnection: close\n\n"),
		[]string{"GET", "GET", "HEAD", "GET"}, []response{hello("keep-alive"), errResp(404, "keep-alive"), {Status: 200, Header: hello("keep-alive").Header}, hello("close")}},
	{"400 for two Host fields", crlf("GET /hello HTTP/1.1\nHost: x\nHost: y\n\n"),
		[]string{"GET"}, []response{errResp(400, "close")}},
	{"400 for a malformed Host", crlf("GET /hello HTTP/1.1\nHost: x y\n\n"),
		[]string{"GET"}, []response{errResp(400, "close")}},
	{"400 for Content-Length with Transfer-Encoding", crlf("POST /echo HTTP/1.1\nHost: x\nContent-Length: 3\nTransfer-Encoding: chunked\n\n0\n\nGET /hello HTTP/1.1\nHost: x\n\n"),
		[]string{"POST"}, []response{errResp(400, "close")}},
	{"400 for a negative Content-Length", crlf("POST /echo HTTP/1.1\nHost: x\nContent-Length: -1\n\n"),
		[]string{"POST"}, []response{errResp(400, "close")}},
	{"411 for POST without a length", crlf("POST /echo HTTP/1.1\nHost: x\n\n"),
		[]string{"POST"}, []response{errResp(411, "close")}},
	{"413 for a body over the limit", crlf("POST /echo HTTP/1.1\nHost: x\nContent-Length: 2000\n\n"),
		[]string{"POST"}, []response{errResp(413, "close")}},
	{"414 for a long request line", crlf("GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\nHost: x\n\n"),
		[]string{"GET"}, []response{errResp(414, "close")}},
	{"501 for a method longer than the request line limit", crlf(strings.Repeat("M", 9000) + " /hello HTTP/1.1\nHost: x\n\n"),
		[]string{"GET"}, []response{errResp(501, "close")}},
	{"431 for a long header line", crlf("GET /hello HTTP/1.1\nHost: x\nX-Big: " + strings.Repeat("b", 9000) + "\n\n"),
		[]string{"GET"}, []response{errResp(431, "close")}},
	{"501 for an unknown transfer coding", crlf("POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: gzip, chunked\n\n"),
		[]string{"POST"}, []response{errResp(501, "close")}},
	{"505 for HTTP/2.0", crlf("GET /hello HTTP/2.0\nHost: x\n\n"),
		[]string{"GET"}, []response{errResp(505, "close")}},
	{"chunked request body", crlf("POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n3\nabc\n4;ext=1\ndefg\n0\nTrailer: x\n\nGET /hello HTTP/1.1\nHost: x\nConnection: close\n\n"),
		[]string{"POST", "GET"}, []response{ok("abcdefg", "Content-Length", "7"), hello("close")}},
	{"HEAD: headers of GET, no body", crlf("HEAD /hello HTTP/1.1\nHost: x\nConnection: close\n\n"),
		[]string{"HEAD"}, []response{{Status: 200, Header: hello("close").Header}}},
	{"unknown length on HTTP/1.1 is chunked", crlf("GET /stream HTTP/1.1\nHost: x\nConnection: close\n\n"),
		[]string{"GET"}, []response{{Status: 200, Body: "one two three", Chunked: true, Header: map[string]string{"Server": "Liso/1.0", "Connection": "close"}}}},
	{"unknown length on HTTP/1.0 ends with the connection", crlf("GET /stream HTTP/1.0\nConnection: keep-alive\n\n"),
		[]string{"GET"}, []response{{Status: 200, Body: "one two three", Header: map[string]string{"Server": "Liso/1.0", "Connection": "close"}}}},
	{"a raw response is passed through, then close", crlf("GET /raw HTTP/1.1\nHost: x\n\nGET /hello HTTP/1.1\nHost: x\n\n"),
		[]string{"GET"}, []response{{Status: 200, Body: "raw body", Header: map[string]string{"Connection": "close"}}}},
	{"empty lines before a request are skipped", crlf("\nGET /hello HTTP/1.1\nHost: x\nConnection: close\n\n"),
		[]string{"GET"}, []response{hello("close")}},
}

func TestExchanges(t *testing.T) {
	addr, _ := startServer(t, testHandler, func(s *httpconn.Server) {
		s.Limits = httpmsg.Limits{MaxBodyBytes: 1000}
	})
	runExchanges(t, addr, exchangeTests)
}

// runExchanges sends each test's bytes on a connection of its own to addr
// and compares the answers.
func runExchanges(t *testing.T, addr string, tests []exchangeTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := lisotest.Exchange(t, addr, tt.raw)
			got := readResponses(t, raw, tt.methods...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answers to %q (-want +got):\n%s\nraw:\n%s", tt.raw, diff, raw)
			}
			if tt.methods[0] != "HEAD" && !strings.Contains(raw, "\r\nDate: ") && !strings.HasPrefix(tt.name, "a raw") {
				t.Errorf("no Date header in %q", raw)
			}
		})
	}
}

// TestOneByteAtATime: the server waits for a request that trickles in,
// and answers it once it is complete.
func TestOneByteAtATime(t *testing.T) {
	addr, _ := startServer(t, testHandler, nil)
	c := lisotest.Dial(t, addr)
	req := crlf("POST /echo HTTP/1.1\nHost: x\nContent-Length: 5\n\nhelloGET /hello HTTP/1.1\nHost: x\nConnection: close\n\n")
	for i := range len(req) {
		if _, err := c.Write([]byte{req[i]}); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	got := readResponses(t, string(raw), "POST", "GET")
	want := []response{ok("hello", "Content-Length", "5"), hello("close")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

func TestExpectContinue(t *testing.T) {
	addr, _ := startServer(t, testHandler, nil)
	c := lisotest.Dial(t, addr)
	io.WriteString(c, crlf("POST /echo HTTP/1.1\nHost: x\nContent-Length: 4\nExpect: 100-continue\nConnection: close\n\n"))
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("first line = %q, %v; want 100 Continue before the body is sent", line, err)
	}
	if blank, _ := br.ReadString('\n'); blank != "\r\n" {
		t.Fatalf("100 Continue not followed by a blank line: %q", blank)
	}
	io.WriteString(c, "ping")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "ping" {
		t.Errorf("after 100 Continue: %d %q; want 200 ping", resp.StatusCode, body)
	}
}

func TestExpectContinueRefusedCloses(t *testing.T) {
	// A handler that answers without reading the body never sends 100;
	// the client may never send the body, so the connection must close.
	addr, _ := startServer(t, testHandler, nil)
	raw := lisotest.Exchange(t, addr, crlf("POST /hello HTTP/1.1\nHost: x\nContent-Length: 100000\nExpect: 100-continue\n\n"))
	got := readResponses(t, raw, "POST")
	if got[0].Status != 200 || strings.Contains(raw, "100 Continue") {
		t.Errorf("got %q; want 200 without 100 Continue, then close", raw)
	}
}

func TestShortBodyClosesConnection(t *testing.T) {
	addr, _ := startServer(t, testHandler, nil)
	raw := lisotest.Exchange(t, addr, crlf("GET /short HTTP/1.1\nHost: x\n\nGET /hello HTTP/1.1\nHost: x\n\n"))
	if !strings.HasSuffix(raw, "\r\n\r\n12345") {
		t.Errorf("got %q; want the 5 bytes written and then the connection closed", raw)
	}
}

func TestHeaderTimeout408(t *testing.T) {
	addr, log := startServer(t, testHandler, func(s *httpconn.Server) { s.HeaderTimeout = 200 * time.Millisecond })
	// Half a request, then nothing: the server answers 408 and closes.
	raw := lisotest.Exchange(t, addr, "GET /hello HTTP/1.1\r\nHost: x\r\n")
	got := readResponses(t, raw, "GET")
	if diff := cmp.Diff([]response{errResp(408, "close")}, got); diff != "" {
		t.Errorf("answer to a stalled request (-want +got):\n%s", diff)
	}
	// The head never completed, so the log cannot name the request.
	if !strings.Contains(log.String(), `"-" 408`) {
		t.Errorf("access log lacks the 408:\n%s", log)
	}
}

func TestIdleTimeoutClosesSilently(t *testing.T) {
	addr, _ := startServer(t, testHandler, func(s *httpconn.Server) {
		s.IdleTimeout = 100 * time.Millisecond
		s.HeaderTimeout = 100 * time.Millisecond
	})
	// A client that connects and says nothing is closed without an answer.
	if raw := lisotest.Exchange(t, addr, ""); raw != "" {
		t.Errorf("silent client got %q; want a plain close", raw)
	}
	// A kept-alive client that goes quiet after one answer: one answer.
	raw := lisotest.Exchange(t, addr, crlf("GET /hello HTTP/1.1\nHost: x\n\n"))
	if got := readResponses(t, raw, "GET"); len(got) != 1 || got[0].Status != 200 {
		t.Errorf("idle kept-alive client got %q", raw)
	}
}

// TestRefuse503 fills the connection cap and checks the answer a client
// over it gets: 503 with Retry-After, after its request was read, and a
// close. The connection inside the cap is served as before.
func TestRefuse503(t *testing.T) {
	addr, _ := startServer(t, testHandler, func(s *httpconn.Server) { s.MaxConns = 1 })
	inside := lisotest.Dial(t, addr)
	br := bufio.NewReader(inside)
	fmt.Fprint(inside, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the connection inside the cap: %v, %v", resp, err)
	} else {
		io.Copy(io.Discard, resp.Body)
	}
	raw := lisotest.Exchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	got := readResponses(t, raw, "GET")
	if diff := cmp.Diff([]response{errResp(503, "close")}, got); diff != "" {
		t.Errorf("over the cap (-want +got):\n%s", diff)
	}
	if !strings.Contains(raw, "\r\nRetry-After: 1\r\n") {
		t.Errorf("503 without Retry-After: %q", raw)
	}
	fmt.Fprint(inside, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the connection inside the cap, again: %v, %v", resp, err)
	}
}

// clfRE is the Combined Log Format plus the scheme.
var clfRE = regexp.MustCompile(`^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "([^"]*)" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)" (https?)$`)

func TestAccessLog(t *testing.T) {
	addr, log := startServer(t, testHandler, nil)
	lisotest.Exchange(t, addr, crlf("GET /hello HTTP/1.1\nHost: x\nReferer: http://r/\nUser-Agent: agent \"quoted\"\n\nHEAD /hello HTTP/1.1\nHost: x\n\nGET /nothing?q=1 HTTP/1.1\nHost: x\n\nBAD\n\n"))
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	var got [][]string
	for _, l := range lines {
		m := clfRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("access log line %q is not Combined Log Format", l)
		}
		got = append(got, m[1:])
	}
	want := [][]string{
		{"GET /hello HTTP/1.1", "200", "5", "http://r/", `agent \x22quoted\x22`, "http"},
		{"HEAD /hello HTTP/1.1", "200", "-", "-", "-", "http"},
		{"GET /nothing?q=1 HTTP/1.1", "404", itoa(len(errorPageFor(404))), "-", "-", "http"},
		{"-", "400", itoa(len(errorPageFor(400))), "-", "-", "http"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("access log (-want +got):\n%s", diff)
	}
}

func TestErrorPages(t *testing.T) {
	for _, code := range []int{400, 404, 408, 411, 413, 414, 431, 500, 501, 502, 503, 504, 505} {
		page := httpconn.ErrorPage(code)
		want := itoa(code) + " " + httpconn.StatusText(code)
		if !strings.Contains(page, "<title>"+want+"</title>") || !strings.HasPrefix(page, "<!DOCTYPE html>") {
			t.Errorf("ErrorPage(%d) = %q; want an HTML page titled %q", code, page, want)
		}
	}
}
