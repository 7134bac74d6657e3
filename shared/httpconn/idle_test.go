package httpconn_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"

	"liso/shared/lisotest"
)

// TestIdleConnectionsHaveNoGoroutine holds many kept-alive connections,
// each answered once, and checks that they cost no goroutine each: they
// wait in the Poller, and the burst workers are bounded.
func TestIdleConnectionsHaveNoGoroutine(t *testing.T) {
	const n = 400 // well above the 128 workers that may stay waiting for work
	addr, _ := startServer(t, testHandler, nil)
	before := runtime.NumGoroutine()
	conns := make([]net.Conn, n)
	for i := range conns {
		c := lisotest.Dial(t, addr)
		conns[i] = c
		fmt.Fprint(c, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		if body, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || string(body) != "hello" {
			t.Fatalf("connection %d: %d %q", i, resp.StatusCode, body)
		}
	}
	if grown := runtime.NumGoroutine() - before; grown > n/2 {
		t.Errorf("%d idle connections added %d goroutines; want them parked without one each", n, grown)
	}
	// Parked connections still serve their next request.
	for i, c := range conns {
		fmt.Fprint(c, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d, second request: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("connection %d, second request: %d", i, resp.StatusCode)
		}
	}
}
