package echo_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"liso/shared/echo"
	"liso/shared/lisotest"
	"liso/shared/server"
)

// hangGuard bounds every network wait in these tests, so that a broken
// server fails a test instead of hanging it; it is not a speed assertion.
const hangGuard = 20 * time.Second

func startEcho(t testing.TB) string {
	return lisotest.Serve(t, &server.Server{Handler: echo.Handler{}})
}

func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, hangGuard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip writes p and reads back len(p) bytes, reporting a difference.
func roundTrip(c net.Conn, p []byte) error {
	c.SetDeadline(time.Now().Add(hangGuard))
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(p)
		errc <- err
	}()
	got := make([]byte, len(p))
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("reading %d echoed bytes: %w", len(p), err)
	}
	if err := <-errc; err != nil {
		return fmt.Errorf("writing %d bytes: %w", len(p), err)
	}
	if !bytes.Equal(got, p) {
		return fmt.Errorf("echo of %d bytes differs at byte %d", len(p), firstDiff(got, p))
	}
	return nil
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

func randomBytes(n int) []byte {
	p := make([]byte, n)
	rand.Read(p)
	return p
}

type echoTest struct {
	name string
	data []byte
}

var echoTests = []echoTest{
	{"one byte", []byte{'x'}},
	{"a line", []byte("hello, liso\r\n")},
	{"every byte value", func() []byte {
		p := make([]byte, 256)
		for i := range p {
			p[i] = byte(i)
		}
		return p
	}()},
	{"NUL bytes", make([]byte, 1000)},
	{"just over a buffer", randomBytes(echo.BufferSize + 1)},
	{"one write of 8 MiB", randomBytes(8 << 20)},
}

func TestEcho(t *testing.T) {
	addr := startEcho(t)
	for _, tt := range echoTests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			if err := roundTrip(c, tt.data); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCourseChecker is the course grader's test at a larger scale: 1,000
// clients connected at once, and rounds in which random clients each write
// 1 byte to 32 KiB of random data; every echo must match exactly. Several
// workers run rounds at the same time, on disjoint sets of clients.
func TestCourseChecker(t *testing.T) {
	const (
		clients = 1000
		workers = 8
		rounds  = 30 // per worker
		writes  = 20 // per round
	)
	if testing.Short() {
		t.Skip("opens 1,000 connections")
	}
	addr := startEcho(t)
	conns := make([]net.Conn, clients)
	for i := range conns {
		conns[i] = dial(t, addr)
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(w), 441))
			mine := conns[w*clients/workers : (w+1)*clients/workers]
			for range rounds {
				// Write to several clients first, then read each back,
				// so that the server has many echoes in flight at once.
				picked := make([]net.Conn, writes)
				sent := make([][]byte, writes)
				for i := range picked {
					picked[i] = mine[rng.IntN(len(mine))]
					sent[i] = randomBytes(1 + rng.IntN(32<<10))
				}
				for i, c := range picked {
					if err := roundTrip(c, sent[i]); err != nil {
						errs <- fmt.Errorf("worker %d: %w", w, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// misbehaving clients, each run beside well-behaved ones.
var misbehaviours = []struct {
	name string
	do   func(t *testing.T, addr string)
}{
	{"disconnects mid-stream", func(t *testing.T, addr string) {
		for range 50 {
			c := dial(t, addr)
			c.Write(randomBytes(20000))
			c.(*net.TCPConn).SetLinger(0) // close with a reset, data unread
			c.Close()
		}
	}},
	{"never reads", func(t *testing.T, addr string) {
		// Writes until TCP's windows fill; the server must block on this
		// client alone. The deadline ends the attempt.
		for range 5 {
			c := dial(t, addr)
			c.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
			chunk := randomBytes(64 << 10)
			for {
				if _, err := c.Write(chunk); err != nil {
					break
				}
			}
		}
	}},
	{"sends half a message and stalls", func(t *testing.T, addr string) {
		for range 20 {
			c := dial(t, addr)
			c.Write([]byte("GET / HTTP/1.1\r\nHo"))
		}
	}},
	{"sends a large burst", func(t *testing.T, addr string) {
		c := dial(t, addr)
		if err := roundTrip(c, randomBytes(16<<20)); err != nil {
			t.Error(err)
		}
	}},
}

func TestMisbehavingClientsDoNotHurtOthers(t *testing.T) {
	for _, mb := range misbehaviours {
		t.Run(mb.name, func(t *testing.T) {
			addr := startEcho(t)
			good := make([]net.Conn, 10)
			for i := range good {
				good[i] = dial(t, addr)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				mb.do(t, addr)
			}()
			// Keep the good clients talking while the bad one misbehaves,
			// and after it has finished.
			for round := 0; ; round++ {
				for _, c := range good {
					if err := roundTrip(c, randomBytes(1+round%4096)); err != nil {
						t.Fatalf("a good client failed while another %s: %v", mb.name, err)
					}
				}
				select {
				case <-done:
					for _, c := range good {
						if err := roundTrip(c, []byte("still here")); err != nil {
							t.Fatalf("after a client %s: %v", mb.name, err)
						}
					}
					return
				default:
				}
			}
		})
	}
}

// TestHalfClose: a client that shuts down its write side still receives
// everything it sent, and then the server closes the connection.
func TestHalfClose(t *testing.T) {
	addr := startEcho(t)
	c := dial(t, addr)
	c.SetDeadline(time.Now().Add(hangGuard))
	sent := randomBytes(3 << 20)
	go func() {
		c.Write(sent)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c) // ends only when the server closes its side
	if err != nil {
		t.Fatalf("ReadAll after half-close: %v", err)
	}
	if !bytes.Equal(got, sent) {
		t.Fatalf("got %d bytes back after half-close; want the %d sent", len(got), len(sent))
	}
}

// TestShutdownEchoesWhatWasRead: a graceful shutdown lets an exchange in
// progress finish, then closes idle connections.
func TestShutdownClosesIdleConnections(t *testing.T) {
	srv := &server.Server{Handler: echo.Handler{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	c := dial(t, l.Addr().String())
	if err := roundTrip(c, []byte("before")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v; want nil (an idle echo connection ends at once)", err)
	}
	c.SetReadDeadline(time.Now().Add(hangGuard))
	if n, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("Read after shutdown = %d, %v; want EOF", n, err)
	}
}
