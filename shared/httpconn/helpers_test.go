package httpconn_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
	"liso/shared/lisotest"
)

// hangGuard bounds every wait, so that a broken server fails a test
// instead of hanging it; it is not a speed assertion.
const hangGuard = 20 * time.Second

// crlf turns the "\n" of a readable request literal into "\r\n".
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// testHandler answers by path, to exercise the connection loop:
//
//	/hello        "hello" with a Content-Length
//	/stream       three writes, no length (chunked, or close for 1.0)
//	/echo         the request body, with its length
//	/headers      the request's header fields, one per line
//	/panic-free-500   a handler error page
//	/short        promises 10 bytes, writes 5
//	/raw          a whole response written by the handler itself
var testHandler = httpconn.HandlerFunc(func(w *httpconn.ResponseWriter, r *httpmsg.Request) {
	switch r.Path {
	case "/hello":
		w.SetHeader("Content-Type", "text/plain")
		w.SetContentLength(5)
		io.WriteString(w, "hello")
	case "/stream":
		for _, part := range []string{"one ", "two ", "three"} {
			io.WriteString(w, part)
			w.Flush()
		}
	case "/echo":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var se *httpmsg.StatusError
			if errorAs(err, &se) {
				w.Error(se.Code)
				return
			}
			w.Error(400)
			return
		}
		w.SetContentLength(int64(len(body)))
		w.Write(body)
	case "/headers":
		var b strings.Builder
		for _, f := range r.Header {
			fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
		}
		w.SetContentLength(int64(b.Len()))
		io.WriteString(w, b.String())
	case "/fail":
		w.Error(500)
	case "/short":
		w.SetContentLength(10)
		io.WriteString(w, "12345")
	case "/raw":
		raw, _ := w.Raw()
		io.WriteString(raw, "HTTP/1.1 200 OK\r\nX-Raw: yes\r\n\r\nraw body")
	default:
		w.Error(404)
	}
})

// startServer serves h with the connection loop configured by cfg on a
// real listener at 127.0.0.1, and returns its address and access log.
func startServer(t testing.TB, h httpconn.Handler, cfg func(*httpconn.Server)) (string, *lisotest.SyncBuffer) {
	t.Helper()
	log := new(lisotest.SyncBuffer)
	web := &httpconn.Server{Handler: h, AccessLog: log}
	if cfg != nil {
		cfg(web)
	}
	srv := web
	return lisotest.Serve(t, srv), log
}

// response is the part of an answer the tests compare.
type response struct {
	Status  int
	Header  map[string]string // the fields tests look at
	Body    string
	Chunked bool
}

// checkedFields are the header fields responses are compared on.
var checkedFields = []string{"Content-Length", "Content-Type", "Connection", "Server", "Location", "Content-Range"}

// readResponses parses every response in raw with the standard library
// (an independent peer) for requests with the given methods.
func readResponses(t testing.TB, raw string, methods ...string) []response {
	t.Helper()
	br := bufio.NewReader(strings.NewReader(raw))
	var out []response
	for _, m := range methods {
		resp, err := http.ReadResponse(br, &http.Request{Method: m})
		if err != nil {
			t.Fatalf("response %d of %q: %v", len(out)+1, raw, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("body of response %d: %v", len(out)+1, err)
		}
		r := response{Status: resp.StatusCode, Body: string(body), Header: map[string]string{},
			Chunked: len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked"}
		if resp.Close {
			// The standard library deletes "Connection: close" from the
			// header it hands back and sets Close instead.
			r.Header["Connection"] = "close"
		}
		for _, k := range checkedFields {
			if v := resp.Header.Get(k); v != "" {
				r.Header[k] = v
			}
		}
		out = append(out, r)
	}
	if rest, _ := io.ReadAll(br); len(rest) > 0 {
		t.Fatalf("%d bytes after the expected responses: %q", len(rest), rest)
	}
	return out
}
