package cgihost_test

import (
	"liso/shared/lisotest"

	"bufio"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/cgihost"
	"liso/shared/demo"
	"liso/shared/httpconn"
	"liso/shared/httpmsg"
)

// otherHandler stands for the static files: it answers every request it
// gets with its path and method.
var otherHandler = httpconn.HandlerFunc(func(w *httpconn.ResponseWriter, r *httpmsg.Request) {
	body := "other " + r.Path + " " + r.Method
	w.SetHeader("X-Other", "yes")
	w.SetHeader("Content-Type", "text/plain")
	w.SetContentLength(int64(len(body)))
	io.WriteString(w, body)
})

// post is a request whose body is output: with the /cat role, the
// script's whole output.
func post(path, output string) string {
	return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(output)) + "\r\n\r\n" + output
}

// get is a GET request; conn is "" or a Connection value.
func get(path, conn string) string {
	s := "GET " + path + " HTTP/1.1\r\nHost: x\r\n"
	if conn != "" {
		s += "Connection: " + conn + "\r\n"
	}
	return s + "\r\n"
}

// resp is an expected answer: the Server field is always there, the rest
// comes in name, value pairs.
func resp(status int, body string, chunked bool, kv ...string) response {
	r := response{Status: status, Body: body, Chunked: chunked, Header: map[string]string{"Server": "Liso/1.0"}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header[kv[i]] = kv[i+1]
	}
	return r
}

// sized is the /sized role's answer.
func sized(conn string) response {
	return resp(200, "sized\n", false, "Content-Type", "text/plain", "Content-Length", "6", "Connection", conn)
}

type shapeTest struct {
	name    string
	raw     string // sent at once on one connection
	methods []string
	want    []response
}

var shapeTests = []shapeTest{
	{"document of unknown length: chunked, kept alive",
		post("/cgi/cat", "Content-Type: text/plain\n\nhello") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(200, "hello", true, "Content-Type", "text/plain", "Connection", "keep-alive"), sized("close")}},
	{"CRLF line ends and a Content-Length",
		post("/cgi/cat", "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(200, "hello", false, "Content-Type", "text/plain", "Content-Length", "5", "Connection", "keep-alive"), sized("close")}},
	{"Status from the script",
		post("/cgi/cat", "Status: 404 Not Found\nContent-Type: text/plain\n\nnope") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(404, "nope", true, "Content-Type", "text/plain", "Connection", "keep-alive"), sized("close")}},
	{"client redirect to a URL: 302",
		post("/cgi/cat", "Location: http://example.com/next\n\n") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(302, "", true, "Location", "http://example.com/next", "Connection", "keep-alive"), sized("close")}},
	{"Flask's login answer: 302, cookie and relative Location passed as they are",
		post("/cgi/cat", "Status: 302 FOUND\nContent-Type: text/html; charset=utf-8\nContent-Length: 3\nLocation: /\n"+
			"Set-Cookie: session=abc; HttpOnly; Path=/\nVary: Cookie\n\n<a>") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(302, "<a>", false, "Location", "/", "Set-Cookie", "session=abc; HttpOnly; Path=/",
			"Content-Type", "text/html; charset=utf-8", "Content-Length", "3", "Connection", "keep-alive"), sized("close")}},
	{"local Location with a body: a client redirect",
		post("/cgi/cat", "Location: /cgi/hello\n\nsee /cgi/hello") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(302, "see /cgi/hello", true, "Location", "/cgi/hello", "Connection", "keep-alive"), sized("close")}},
	{"local redirect: the new path runs as GET",
		post("/cgi/cat", "Location: /cgi/hello?from=cat\n\n") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(200, "hello GET from=cat\n", true, "Content-Type", "text/plain", "Connection", "keep-alive"), sized("close")}},
	{"local redirect from a GET",
		get("/cgi/redirect/local", "close"),
		[]string{"GET"},
		[]response{resp(200, "hello GET from=redirect\n", true, "Content-Type", "text/plain", "Connection", "close")}},
	{"local redirect out of the prefix: the other handler",
		get("/cgi/redirect/other", "close"),
		[]string{"GET"},
		[]response{resp(200, "other /static/page.txt GET", false, "X-Other", "yes", "Content-Type", "text/plain",
			"Content-Length", "26", "Connection", "close")}},
	{"local redirect to an encoded path: decoded as a client's",
		post("/cgi/cat", "Location: /static/a%20b%2Fc+d.txt?x=%41\n\n") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(200, "other /static/a b/c+d.txt GET", false, "X-Other", "yes", "Content-Type", "text/plain",
			"Content-Length", "29", "Connection", "keep-alive"), sized("close")}},
	{"local redirect to a path that does not decode: 400, as for a client's",
		post("/cgi/cat", "Location: /cgi/a%zz\n\n") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{errorPage(400, "keep-alive"), sized("close")}},
	{"local redirect from a HEAD stays HEAD",
		"HEAD /cgi/redirect/local HTTP/1.1\r\nHost: x\r\n\r\n" + get("/cgi/sized", "close"),
		[]string{"HEAD", "GET"},
		[]response{resp(200, "", false, "Content-Type", "text/plain", "Connection", "keep-alive"), sized("close")}},
	{"local redirect loop: 500",
		get("/cgi/redirect/loop", "") + get("/cgi/sized", "close"),
		[]string{"GET", "GET"},
		[]response{errorPage(500, "keep-alive"), sized("close")}},
	{"fields that are the server's are dropped",
		post("/cgi/cat", "Content-Type: text/plain\nConnection: close\nTransfer-Encoding: gzip\nServer: evil\n"+
			"Keep-Alive: timeout=1\nX-Script: kept\n\nok") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(200, "ok", true, "Content-Type", "text/plain", "X-Script", "kept", "Connection", "keep-alive"), sized("close")}},
	{"204: no body, whatever the script writes",
		post("/cgi/cat", "Status: 204 No Content\n\nignored") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(204, "", false, "Connection", "keep-alive"), sized("close")}},
	{"more than the script's Content-Length: the rest dropped",
		post("/cgi/cat", "Content-Length: 3\n\nabcdef") + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(200, "abc", false, "Content-Length", "3", "Connection", "keep-alive"), sized("close")}},
	{"HTTP/1.0 and no length: closed at the end",
		"GET /cgi/hello?q HTTP/1.0\r\n\r\n",
		[]string{"GET"},
		[]response{resp(200, "hello GET q\n", false, "Content-Type", "text/plain", "Connection", "close")}},
	{"HTTP/1.0 keep-alive with a Content-Length",
		"GET /cgi/sized HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /cgi/sized HTTP/1.0\r\n\r\n",
		[]string{"GET", "GET"},
		[]response{sized("keep-alive"), sized("close")}},
	{"HEAD: the header of GET, no body",
		"HEAD /cgi/sized HTTP/1.1\r\nHost: x\r\n\r\n" + get("/cgi/sized", "close"),
		[]string{"HEAD", "GET"},
		[]response{resp(200, "", false, "Content-Type", "text/plain", "Content-Length", "6", "Connection", "keep-alive"), sized("close")}},
	{"outside the prefix: the other handler",
		get("/index.html", "") + get("/cgix", "") + get("/cgi/../index.html", "close"),
		[]string{"GET", "GET", "GET"},
		[]response{
			resp(200, "other /index.html GET", false, "X-Other", "yes", "Content-Type", "text/plain", "Content-Length", "21", "Connection", "keep-alive"),
			resp(200, "other /cgix GET", false, "X-Other", "yes", "Content-Type", "text/plain", "Content-Length", "15", "Connection", "keep-alive"),
			// The router and every handler see the path cleaned once, by
			// the parser: "/cgi/../index.html" is "/index.html".
			resp(200, "other /index.html GET", false, "X-Other", "yes", "Content-Type", "text/plain", "Content-Length", "21", "Connection", "close"),
		}},
	{"a path that cannot be PATH_INFO: 400",
		get("/cgi/a%00b", "") + get("/cgi/sized", "close"),
		[]string{"GET", "GET"},
		[]response{errorPage(400, "keep-alive"), sized("close")}},
	{"a chunked POST",
		"POST /cgi/cat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"f\r\nContent-Type: t\r\n3\r\n\n\nx\r\n0\r\n\r\n" + get("/cgi/sized", "close"),
		[]string{"POST", "GET"},
		[]response{resp(200, "x", true, "Content-Type", "t", "Connection", "keep-alive"), sized("close")}},
}

func TestOutputShapes(t *testing.T) {
	addr, _ := startSite(t, &cgihost.Handler{Script: routerScript(t)})
	for _, tt := range shapeTests {
		t.Run(tt.name, func(t *testing.T) {
			got := readResponses(t, lisotest.Exchange(t, addr, tt.raw), tt.methods...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answers to %q (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

// The course's scripts print the status line themselves: their output is
// forwarded byte for byte, and the connection closes after it.
func TestNonParsedHeaderScript(t *testing.T) {
	addr, _ := startCGI(t, &cgihost.Handler{Script: routerScript(t)})
	for _, method := range []string{"GET", "HEAD"} {
		got := lisotest.Exchange(t, addr, method+" /cgi/nph HTTP/1.1\r\nHost: x\r\n\r\n"+get("/cgi/sized", ""))
		want := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Script: nph\r\n\r\nnph body\n"
		if got != want {
			t.Errorf("%s /cgi/nph: got %q; want exactly the script's output %q, then the connection closed", method, got, want)
		}
	}
}

// A script that writes a Content-Length and then less than that: the
// client is told by the connection closing.
func TestShortBodyCutsTheConnection(t *testing.T) {
	addr, _ := startCGI(t, &cgihost.Handler{Script: routerScript(t)})
	got := lisotest.Exchange(t, addr, post("/cgi/cat", "Content-Length: 10\n\nabc")+get("/cgi/sized", "close"))
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(got, "\r\n\r\nabc") ||
		!strings.Contains(got, "Content-Length: 10\r\n") {
		t.Errorf("got %q; want the 200 head with Content-Length: 10, 3 bytes, then the end", got)
	}
}

// The script's stderr goes to the log, line by line, long lines cut.
func TestStderrIsLogged(t *testing.T) {
	addr, rec := startCGI(t, &cgihost.Handler{Script: routerScript(t)})
	got := readResponses(t, lisotest.Exchange(t, addr, get("/cgi/stderr", "close")), "GET")
	if diff := cmp.Diff([]response{resp(200, "logged\n", true, "Content-Type", "text/plain", "Connection", "close")}, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	lines := rec.find(func(r logRecord) bool { return r.Msg == "cgi stderr" })
	if len(lines) != 2 {
		t.Fatalf("%d stderr lines logged; want 2; log:\n%s", len(lines), rec)
	}
	if got := lines[0].Attrs["line"]; got != "first line" {
		t.Errorf("first stderr line = %q; want %q", got, "first line")
	}
	if got := lines[1].Attrs["line"]; len(got) != 2048 || lines[1].Attrs["truncated"] != "true" {
		t.Errorf("long stderr line logged with %d bytes, truncated=%s; want 2048, true", len(got), lines[1].Attrs["truncated"])
	}
}

// With a Content-Length POST, the script starts before the body has
// arrived, and reads what the client sends as it sends it.
func TestBodyStreamsToTheScript(t *testing.T) {
	addr, rec := startCGI(t, &cgihost.Handler{Script: routerScript(t)})
	c := lisotest.Dial(t, addr)
	body := "first\nsecond\n"
	io.WriteString(c, "POST /cgi/tee HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\nfirst\n")
	// The script has read the first line while the second is unsent.
	rec.waitFor(t, 1, "got first", func(r logRecord) bool { return r.Attrs["line"] == "got first" })
	io.WriteString(c, "second\n")
	raw, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	got := readResponses(t, string(raw), "POST")
	want := []response{resp(200, body, true, "Content-Type", "text/plain", "Connection", "close")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
}

// The demo script checkpoint 3 runs when given none, through the server.
func TestDemoScript(t *testing.T) {
	script, err := demo.WriteCGIScript()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(script)) })
	addr, _ := startCGI(t, &cgihost.Handler{Script: script})
	form := "message=" + url.QueryEscape("<hello> & goodbye")
	raw := "POST /cgi/demo?x=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: " + strconv.Itoa(len(form)) + "\r\n\r\n" + form + get("/cgi/", "close")
	got := readResponses(t, lisotest.Exchange(t, addr, raw), "POST", "GET")
	for i, want := range [][]string{
		{"REQUEST_METHOD=POST", "QUERY_STRING=x=1", "PATH_INFO=/demo", "CONTENT_LENGTH=" + strconv.Itoa(len(form)),
			"<pre>message=%3Chello%3E+%26+goodbye</pre>", `action="/cgi/demo"`},
		{"REQUEST_METHOD=GET", "None: this was a GET request."},
	} {
		if got[i].Status != 200 || got[i].Header["Content-Type"] != "text/html; charset=utf-8" {
			t.Errorf("answer %d: %d %q; want 200 text/html", i, got[i].Status, got[i].Header["Content-Type"])
		}
		for _, w := range want {
			if !strings.Contains(got[i].Body, w) {
				t.Errorf("answer %d lacks %q:\n%s", i, w, got[i].Body)
			}
		}
	}
}

// A client that asks "Expect: 100-continue" is told to send its body once
// the script runs, and the body then reaches the script.
func TestExpectContinue(t *testing.T) {
	addr, _ := startCGI(t, &cgihost.Handler{Script: routerScript(t)})
	c := lisotest.Dial(t, addr)
	output := "Content-Type: text/plain\n\nuploaded"
	io.WriteString(c, "POST /cgi/cat HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n"+
		"Content-Length: "+strconv.Itoa(len(output))+"\r\n\r\n")
	br := bufio.NewReader(c)
	if line, err := br.ReadString('\n'); err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("first line %q, %v; want the 100 Continue", line, err)
	}
	if line, _ := br.ReadString('\n'); line != "\r\n" {
		t.Fatalf("after 100 Continue: %q; want the empty line", line)
	}
	io.WriteString(c, output)
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	got := readResponses(t, string(rest), "POST")
	if diff := cmp.Diff([]response{resp(200, "uploaded", true, "Content-Type", "text/plain", "Connection", "close")}, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
}
