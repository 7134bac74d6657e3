package httpconn_test

import (
	"liso/shared/lisotest"

	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkKeepAlive: one client, one kept-alive connection, request then
// answer. Run: go test -run '^$' -bench . -benchmem ./shared/httpconn
func BenchmarkKeepAlive(b *testing.B) {
	addr, _ := startServer(b, testHandler, nil)
	c := lisotest.Dial(b, addr)
	br := bufio.NewReader(c)
	req := []byte("GET /hello HTTP/1.1\r\nHost: x\r\nUser-Agent: bench\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
	}
}

// BenchmarkPipelined16: sixteen requests in one write, sixteen answers
// read back; reported per request.
func BenchmarkPipelined16(b *testing.B) {
	addr, _ := startServer(b, testHandler, nil)
	c := lisotest.Dial(b, addr)
	br := bufio.NewReader(c)
	batch := []byte(strings.Repeat("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", 16))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(batch); err != nil {
			b.Fatal(err)
		}
		for range 16 {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*16), "ns/req")
}
