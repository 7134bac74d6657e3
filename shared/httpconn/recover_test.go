package httpconn_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
	"liso/shared/lisotest"
)

// requireHostTests: with RequireHost, RFC 9112 3.2's rule applies.
var requireHostTests = []exchangeTest{
	{"400 for HTTP/1.1 without Host, then close", crlf("GET /hello HTTP/1.1\n\nGET /hello HTTP/1.1\nHost: x\n\n"),
		[]string{"GET"}, []response{errResp(400, "close")}},
	{"400 for absolute-form without a Host field", crlf("GET http://x/hello HTTP/1.1\n\n"),
		[]string{"GET"}, []response{errResp(400, "close")}},
	{"an empty Host is a Host", crlf("GET /hello HTTP/1.1\nHost:\nConnection: close\n\n"),
		[]string{"GET"}, []response{hello("close")}},
	{"HTTP/1.0 needs none", crlf("GET /hello HTTP/1.0\n\n"),
		[]string{"GET"}, []response{hello("close")}},
	{"400 for two Host fields", crlf("GET /hello HTTP/1.1\nHost: x\nHost: x\n\n"),
		[]string{"GET"}, []response{errResp(400, "close")}},
	{"400 for a malformed Host", crlf("GET /hello HTTP/1.1\nHost: x/y\n\n"),
		[]string{"GET"}, []response{errResp(400, "close")}},
}

func TestRequireHost(t *testing.T) {
	addr, _ := startServer(t, testHandler, func(s *httpconn.Server) { s.RequireHost = true })
	runExchanges(t, addr, requireHostTests)
}

// panicky panics in the handler: before anything is written (/panic), or
// after the header and half the body left (/panic-late). Every other path
// goes to testHandler.
var panicky = httpconn.HandlerFunc(func(w *httpconn.ResponseWriter, r *httpmsg.Request) {
	switch r.Path {
	case "/panic":
		w.AddHeader("Set-Cookie", "half=done") // must not reach the client with the 500
		panic("a bug in the handler")
	case "/panic-late":
		w.SetContentLength(10)
		io.WriteString(w, "12345")
		w.Flush()
		panic(fmt.Errorf("a bug after the header"))
	}
	testHandler(w, r)
})

// TestHandlerPanic: a panic costs its own connection only. The client
// gets a 500 (or a cut answer, if the header had left), the panic is
// logged once with its stack, and another client's kept-alive connection
// goes on being served.
func TestHandlerPanic(t *testing.T) {
	logs := new(lisotest.SyncBuffer)
	addr, _ := startServer(t, panicky, func(s *httpconn.Server) {
		s.Log = slog.New(slog.NewTextHandler(logs, nil))
	})

	// A bystander with a kept-alive connection, served before and after.
	other := lisotest.Dial(t, addr)
	br := bufio.NewReader(other)
	askHello := func(when string) {
		t.Helper()
		if _, err := io.WriteString(other, crlf("GET /hello HTTP/1.1\nHost: x\n\n")); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: the other client's connection: %v", when, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "hello" || resp.Close {
			t.Fatalf("%s: other client got %d %q (close %v); want a kept-alive 200 hello", when, resp.StatusCode, body, resp.Close)
		}
	}
	askHello("before the panics")

	// Before anything was written: a 500 page, then the connection closes
	// (the pipelined request after it is not answered).
	raw := lisotest.Exchange(t, addr, crlf("GET /panic HTTP/1.1\nHost: x\n\nGET /hello HTTP/1.1\nHost: x\n\n"))
	got := readResponses(t, raw, "GET")
	if got[0].Status != 500 || got[0].Header["Connection"] != "close" || strings.Contains(raw, "Set-Cookie") {
		t.Errorf("GET /panic answered %q; want one 500 page with Connection: close and no Set-Cookie", raw)
	}

	// After the header: the answer is cut short by closing, never
	// completed or followed by a 500.
	raw = lisotest.Exchange(t, addr, crlf("GET /panic-late HTTP/1.1\nHost: x\n\n"))
	if !strings.HasPrefix(raw, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(raw, "\r\n\r\n12345") {
		t.Errorf("GET /panic-late answered %q; want the 200 header and 5 of its 10 bytes, then the close", raw)
	}

	askHello("after the panics")

	log := logs.String()
	for _, want := range []string{"a bug in the handler", "a bug after the header", "recover_test.go"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q (the panic and its stack):\n%s", want, log)
		}
	}
	if n := strings.Count(log, "level=ERROR"); n != 2 {
		t.Errorf("%d ERROR lines for 2 panics; want 2:\n%s", n, log)
	}
}
