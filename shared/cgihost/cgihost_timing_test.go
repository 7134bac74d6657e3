package cgihost_test

import (
	"liso/shared/lisotest"

	"bufio"
	"io"
	"testing"

	"liso/shared/cgihost"
)

// BenchmarkScriptRequest measures one CGI request with a small answer,
// over a kept-alive connection: mostly fork, exec and /bin/sh starting.
func BenchmarkScriptRequest(b *testing.B) {
	addr, _ := startCGI(b, &cgihost.Handler{Script: routerScript(b)})
	c := lisotest.Dial(b, addr)
	br := bufio.NewReader(c)
	for b.Loop() {
		io.WriteString(c, get("/cgi/sized", ""))
		if r := readResponse(b, br, "GET"); r.Status != 200 {
			b.Fatalf("status %d", r.Status)
		}
	}
}

// BenchmarkScriptOutput measures the relay: a script writing 64 MiB,
// read as it comes (HTTP/1.0, so the body is raw bytes until the end).
func BenchmarkScriptOutput(b *testing.B) {
	const size = 64 << 20
	addr, _ := startCGI(b, &cgihost.Handler{Script: routerScript(b)})
	buf := make([]byte, 64<<10)
	b.SetBytes(size)
	for b.Loop() {
		c := lisotest.Dial(b, addr)
		io.WriteString(c, "GET /cgi/big?67108864 HTTP/1.0\r\n\r\n")
		n, err := io.CopyBuffer(io.Discard, onlyReader{c}, buf)
		if err != nil || n < size {
			b.Fatalf("%d bytes, %v", n, err)
		}
		c.Close()
	}
}
