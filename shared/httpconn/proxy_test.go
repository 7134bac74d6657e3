package httpconn_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"testing"

	"liso/shared/httpconn"
	"liso/shared/lisotest"
	"liso/shared/proxyproto"
)

// TestProxiedIdleConnectionsPark: connections from a trusted load
// balancer, which each began with a PROXY header, still wait idle in the
// poller without a goroutine each (the header was read from the socket
// exactly, so epoll, which sees only the socket, misses nothing), and
// every request on them is logged as its header's client's.
func TestProxiedIdleConnectionsPark(t *testing.T) {
	const n = 300
	log := new(lisotest.SyncBuffer)
	web := &httpconn.Server{Handler: testHandler, AccessLog: log}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := proxyproto.NewListener(inner, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	go web.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
		defer cancel()
		if err := web.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})

	before := runtime.NumGoroutine()
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	for i := range conns {
		c := lisotest.Dial(t, inner.Addr().String())
		conns[i], readers[i] = c, bufio.NewReader(c)
		fmt.Fprintf(c, "PROXY TCP4 198.51.100.%d 192.0.2.10 %d 80\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n", i%200+1, 10000+i)
		checkHello(t, readers[i], i)
	}
	if grown := runtime.NumGoroutine() - before; grown > n/2 {
		t.Errorf("%d idle proxied connections added %d goroutines; want them parked without one each", n, grown)
	}
	for i, c := range conns {
		fmt.Fprint(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
		checkHello(t, readers[i], i)
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != 2*n {
		t.Fatalf("the access log has %d lines; want %d", len(lines), 2*n)
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, "198.51.100.") {
			t.Fatalf("access log line %q names the balancer, not the client its header named", line)
		}
	}
}

// checkHello reads one answer to GET /hello.
func checkHello(t *testing.T, br *bufio.Reader, i int) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("connection %d: %v", i, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || string(body) != "hello" {
		t.Fatalf("connection %d: %d %q, %v; want 200 hello", i, resp.StatusCode, body, err)
	}
}
