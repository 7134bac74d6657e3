package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"liso/shared/certs"
)

type countEndsTest struct {
	reads     []string // what successive reads bring
	wantEnds  int      // request ends found in all of them
	wantCarry int      // bytes of an end left at the end of the last
}

var countEndsTests = []countEndsTest{
	{[]string{""}, 0, 0},
	{[]string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n"}, 1, 0},
	{[]string{strings.Repeat("GET / HTTP/1.1\r\n\r\n", 16)}, 16, 0},
	{[]string{"GET / HTTP/1.1\r\n", "\r\n"}, 1, 0},                   // split after the first CRLF
	{[]string{"GET / HTTP/1.1\r", "\n\r", "\n"}, 1, 0},               // split in every gap
	{[]string{"GET / HTTP/1.1\r\n\r"}, 0, 3},                         // the last byte still to come
	{[]string{"a\r\n\r\r\n\r\n"}, 1, 0},                              // a stray CR restarts the match
	{[]string{"a\n\n\r\r\n\n"}, 0, 0},                                // bare LFs end nothing
	{[]string{"\r\n\r\n\r\n\r\n"}, 2, 0},                             // two empty requests, back to back
	{[]string{"GET / HTTP/1.1\r\n\r\nGET /", " HTTP/1.1\r\n"}, 1, 2}, // a second request begun
}

func TestCountEnds(t *testing.T) {
	for _, tt := range countEndsTests {
		ends, carry := 0, 0
		for _, r := range tt.reads {
			var n int
			n, carry = countEnds([]byte(r), carry)
			ends += n
		}
		if ends != tt.wantEnds || carry != tt.wantCarry {
			t.Errorf("countEnds over reads %q = %d ends, carry %d; want %d, %d", tt.reads, ends, carry, tt.wantEnds, tt.wantCarry)
		}
	}
}

// lineWriter hands each line written to it to a channel, so the test
// learns the server's address from its start line.
type lineWriter struct{ lines chan string }

func (w lineWriter) Write(p []byte) (int, error) {
	w.lines <- string(p)
	return len(p), nil
}

// TestPipelined runs the server on 127.0.0.1 port 0, writes N requests in
// one write, and expects N answers of 200 with a 1 KiB body on the same
// connection, then that the connection is still usable; shutdown must
// close the idle connection and return nil.
func TestPipelined(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := lineWriter{lines: make(chan string, 1)}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-http", "127.0.0.1:0"}, out, io.Discard) }()
	var addr string
	select {
	case line := <-out.lines:
		m := regexp.MustCompile(`HTTP listening on (\S+) `).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("start line %q names no address", line)
		}
		addr = m[1]
	case err := <-done:
		t.Fatalf("run = %v before it listened", err)
	}

	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for _, n := range []int{16, 1} {
		if _, err := io.WriteString(c, strings.Repeat("GET /1k.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", n)); err != nil {
			t.Fatalf("writing %d requests: %v", n, err)
		}
		for i := range n {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("answer %d of %d: %v", i+1, n, err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || len(body) != BodySize || resp.Close {
				t.Fatalf("answer %d of %d = %s, %d bytes, close %v, %v; want 200, %d bytes, keep-alive",
					i+1, n, resp.Status, len(body), resp.Close, err, BodySize)
			}
		}
	}
	if br.Buffered() > 0 {
		t.Errorf("%d bytes after the last answer; want none", br.Buffered())
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run = %v after shutdown; want nil", err)
	}
	if _, err := br.ReadByte(); err == nil {
		t.Errorf("the connection is still open after shutdown; want it closed")
	}
}

// startCeiling runs the ceiling with args on port 0 and returns its HTTP
// and HTTPS addresses (the second "" without -https); it is shut down,
// and must return nil, when the test ends.
func startCeiling(t *testing.T, args ...string) (httpAddr, httpsAddr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := lineWriter{lines: make(chan string, 2)}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-http", "127.0.0.1:0"}, args...), out, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run = %v after shutdown; want nil", err)
		}
	})
	addrRE := regexp.MustCompile(`(HTTPS?) listening on (\S+)`)
	for httpAddr == "" {
		select {
		case line := <-out.lines:
			m := addrRE.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("start line %q names no address", line)
			}
			if m[1] == "HTTPS" {
				httpsAddr = m[2]
			} else {
				httpAddr = m[2]
			}
		case err := <-done:
			t.Fatalf("run = %v before it listened", err)
		}
	}
	return httpAddr, httpsAddr
}

// TestFloors checks the answers that set the floors of the other rows: a
// "Connection: close" request gets its answer and then the end of the
// connection, HTTPS answers as HTTP does, and /cgi/ runs the script.
func TestFloors(t *testing.T) {
	dir := t.TempDir()
	ca, err := certs.CreateCA(filepath.Join(dir, "ca"), certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ca.Issue(certs.Request{})
	if err != nil {
		t.Fatal(err)
	}
	keyFile, certFile := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	if err := pair.Write(keyFile, certFile, false); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "cgi.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nok\\n'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	httpAddr, httpsAddr := startCeiling(t, "-https", "127.0.0.1:0", "-cert", certFile, "-key", keyFile, "-cgi", script)
	caPEM, err := os.ReadFile(ca.CertFile())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("the CA's certificate does not parse")
	}

	tests := []struct {
		name      string
		tls       bool
		request   string
		wantBody  string // "" is the 1 KiB answer
		wantClose bool
	}{
		{"keep-alive", false, "GET /1k.bin HTTP/1.1\r\nHost: x\r\n\r\n", "", false},
		{"close", false, "GET /1k.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "", true},
		{"tls keep-alive", true, "GET /1k.bin HTTP/1.1\r\nHost: x\r\n\r\n", "", false},
		{"tls close", true, "GET /1k.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "", true},
		{"cgi", false, "GET /cgi/x HTTP/1.1\r\nHost: x\r\n\r\n", "ok\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c net.Conn
			var err error
			if tt.tls {
				c, err = tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", httpsAddr,
					&tls.Config{RootCAs: roots, ServerName: "localhost"})
			} else {
				c, err = net.DialTimeout("tcp", httpAddr, 5*time.Second)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			want := tt.wantBody
			if want == "" {
				want = strings.Repeat("x", BodySize)
			}
			// A kept-alive connection must answer a second request too.
			for i := range 2 {
				if _, err := io.WriteString(c, tt.request); err != nil {
					t.Fatalf("request %d: %v", i+1, err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("answer %d: %v", i+1, err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || string(body) != want {
					t.Fatalf("answer %d = %s, body %.20q (%d bytes), %v; want 200, %.20q (%d bytes)",
						i+1, resp.Status, body, len(body), err, want, len(want))
				}
				if resp.Close != tt.wantClose {
					t.Errorf("answer %d says Connection: close %v; want %v", i+1, resp.Close, tt.wantClose)
				}
				if tt.wantClose {
					if _, err := br.ReadByte(); err != io.EOF {
						t.Errorf("after the answer: read error %v; want the connection closed (EOF)", err)
					}
					return
				}
			}
		})
	}
}
