package httpconn_test

import (
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
)

// TestStdlibClient uses Go's own HTTP client as an independent peer: its
// requests are answered, and it reuses one kept-alive connection.
func TestStdlibClient(t *testing.T) {
	addr, _ := startServer(t, testHandler, nil)
	client := &http.Client{Timeout: hangGuard, Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	var reused atomic.Int32
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if i.Reused {
			reused.Add(1)
		}
	}}
	const n = 20
	for i := range n {
		var req *http.Request
		if i%2 == 0 {
			req, _ = http.NewRequest("GET", "http://"+addr+"/hello", nil)
		} else {
			req, _ = http.NewRequest("POST", "http://"+addr+"/echo", strings.NewReader(strings.Repeat("p", i*1000)))
		}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := "hello"
		if i%2 == 1 {
			want = strings.Repeat("p", i*1000)
		}
		if resp.StatusCode != 200 || string(body) != want {
			t.Fatalf("request %d: %d, %d bytes; want 200, %d bytes", i, resp.StatusCode, len(body), len(want))
		}
	}
	if got := reused.Load(); got != n-1 {
		t.Errorf("client reused its connection %d times; want %d (keep-alive)", got, n-1)
	}
}

// TestStdlibChunkedUpload: a body of unknown length goes out chunked from
// net/http's client and arrives decoded.
func TestStdlibChunkedUpload(t *testing.T) {
	addr, _ := startServer(t, testHandler, nil)
	pr, pw := io.Pipe()
	go func() {
		for range 100 {
			io.WriteString(pw, "0123456789")
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", "http://"+addr+"/echo", pr)
	resp, err := (&http.Client{Timeout: hangGuard}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	// A pipe has no known length, so the client sends it chunked.
	if resp.StatusCode != 200 || string(body) != strings.Repeat("0123456789", 100) {
		t.Errorf("chunked upload: %d, %d bytes; want 200 and the 1000 bytes sent", resp.StatusCode, len(body))
	}
}
