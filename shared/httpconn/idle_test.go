package httpconn_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
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

// TestShutdownClosesParkedConnections checks that shutdown wakes the
// connections parked in the Poller: they close at once, so Shutdown
// returns well before their hour-long idle timeout and without having to
// force them closed.
func TestShutdownClosesParkedConnections(t *testing.T) {
	web := &httpconn.Server{Handler: testHandler, IdleTimeout: time.Hour}
	addr := lisotest.Serve(t, web)

	conns := make([]net.Conn, 50)
	readers := make([]*bufio.Reader, len(conns))
	for i := range conns {
		conns[i] = lisotest.Dial(t, addr)
		readers[i] = bufio.NewReader(conns[i])
		fmt.Fprint(conns[i], "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(readers[i], nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	shutdown := make(chan error, 1)
	go func() { shutdown <- web.Shutdown(ctx) }()
	select {
	case err := <-shutdown:
		if err != nil {
			t.Fatalf("Shutdown = %v; want the idle connections closed before its deadline", err)
		}
	case <-time.After(2 * hangGuard):
		// Closing a parked connection does not wake it: had shutdown
		// missed them, Shutdown would wait for their idle timeout.
		t.Fatal("Shutdown never returned")
	}
	for i, br := range readers {
		conns[i].SetReadDeadline(time.Now().Add(hangGuard))
		if b, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("connection %d after shutdown: read %q, %v; want EOF", i, b, err)
		}
	}
}

// TestArrivedIsAfterSending checks the promise static's freshness rule
// rests on: a request's Arrived is never before the client began sending
// it, and never after the handler has it, whichever way the request came:
// the first of a new connection, the next one on a kept-alive connection
// (woken from the poller), pipelined behind another, or over a connection
// that waited parked between its requests.
func TestArrivedIsAfterSending(t *testing.T) {
	type seen struct{ arrived, handled time.Time }
	saw := make(chan seen, 8)
	h := httpconn.HandlerFunc(func(w *httpconn.ResponseWriter, r *httpmsg.Request) {
		saw <- seen{r.Arrived, time.Now()}
		w.Write([]byte("ok"))
	})
	addr, _ := startServer(t, h, nil)
	const get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name   string
		writes []string // written one after another, each after the answers to the one before
	}{
		{"new connection", []string{get}},
		{"kept alive, woken", []string{get, get, get}},
		{"pipelined", []string{get + get + get}},
		{"pipelined after a wake", []string{get, get + get}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := lisotest.Dial(t, addr)
			br := bufio.NewReader(c)
			for i, wr := range tt.writes {
				sent := time.Now()
				if _, err := io.WriteString(c, wr); err != nil {
					t.Fatal(err)
				}
				for n := strings.Count(wr, "GET "); n > 0; n-- {
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						t.Fatalf("write %d: %v", i+1, err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					s := <-saw // the handler ran before the answer came
					if s.arrived.Before(sent) || s.arrived.After(s.handled) {
						t.Errorf("write %d: Arrived %v after the send; want in [0, %v] (the handler's)",
							i+1, s.arrived.Sub(sent), s.handled.Sub(sent))
					}
				}
			}
		})
	}
}
