package httpconn_test

import (
	"liso/shared/lisotest"

	"bufio"
	"io"
	"net/http"
	"testing"
	"time"

	"liso/shared/httpconn"
)

type unfinishedTest struct {
	name    string
	raw     string
	methods []string // of the answers expected
	conn    []string // the Connection field of each answer
}

// unfinishedTests: an answer sent before the request body could be read to
// its end says "Connection: close" exactly when the connection will close
// (RFC 9112 9.6, RFC 9110 10.1.1), and a small unread body is drained.
var unfinishedTests = []unfinishedTest{
	{"100 Continue never sent", "POST /hello HTTP/1.1\nHost: x\nContent-Length: 100000\nExpect: 100-continue\n\n",
		[]string{"POST"}, []string{"close"}},
	{"unread body larger than the drain limit", "POST /hello HTTP/1.1\nHost: x\nContent-Length: 300000\n\n",
		[]string{"POST"}, []string{"close"}},
	{"malformed chunked body", "POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\nzz\nGET /hello HTTP/1.1\nHost: x\n\n",
		[]string{"POST"}, []string{"close"}},
	{"small unread body is drained", "POST /hello HTTP/1.1\nHost: x\nContent-Length: 5\n\nabcdeGET /hello HTTP/1.1\nHost: x\nConnection: close\n\n",
		[]string{"POST", "GET"}, []string{"keep-alive", "close"}},
}

func TestUnfinishedBodyAnnouncesClose(t *testing.T) {
	addr, _ := startServer(t, testHandler, func(s *httpconn.Server) { s.BodyTimeout = 200 * time.Millisecond })
	for _, tt := range unfinishedTests {
		t.Run(tt.name, func(t *testing.T) {
			raw := lisotest.Exchange(t, addr, crlf(tt.raw))
			got := readResponses(t, raw, tt.methods...)
			for i, r := range got {
				if r.Header["Connection"] != tt.conn[i] {
					t.Errorf("%s: answer %d says Connection: %q; want %q\n%s", tt.name, i+1, r.Header["Connection"], tt.conn[i], raw)
				}
			}
		})
	}
}

// trickle sends a POST whose body of length bytes comes a byte every 50 ms,
// and returns the answer and how long it took.
func trickle(t *testing.T, addr string, length int) (*http.Response, time.Duration) {
	t.Helper()
	c := lisotest.Dial(t, addr)
	start := time.Now()
	io.WriteString(c, crlf("POST /echo HTTP/1.1\nHost: x\nConnection: close\nContent-Length: ")+itoa(length)+"\r\n\r\n")
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for range length {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("trickled POST: %v", err)
	}
	io.ReadAll(resp.Body)
	return resp, time.Since(start)
}

// TestMinBodyRate: a body trickled a byte every 50 ms beats a 250 ms
// per-read timeout forever, but not the minimum rate, which cuts it about
// BodyTimeout after it begins; with the rate check off, it goes through.
func TestMinBodyRate(t *testing.T) {
	addr, _ := startServer(t, testHandler, func(s *httpconn.Server) { s.BodyTimeout = 250 * time.Millisecond })
	resp, took := trickle(t, addr, 1000) // would take 50 s
	if resp.StatusCode == 200 || took > 5*time.Second {
		t.Errorf("a trickled body: %d after %v; want it cut after about 250ms", resp.StatusCode, took)
	}

	addr, _ = startServer(t, testHandler, func(s *httpconn.Server) {
		s.BodyTimeout, s.MinBodyRate = 250*time.Millisecond, -1
	})
	resp, took = trickle(t, addr, 10)
	if resp.StatusCode != 200 {
		t.Errorf("a trickled body with MinBodyRate off: %d after %v; want 200", resp.StatusCode, took)
	}
}
