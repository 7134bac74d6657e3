package echo_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"testing"
	"time"

	"liso/shared/echo"
	"liso/shared/lisotest"
	"liso/shared/server"
	"liso/tools/lisocheck/suite"
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

// echoTarget starts an in-process echo server and makes it lisocheck's
// target: the checks a student's echo server must pass are the ones this
// package passes, written once, in lisocheck's echo stage.
func echoTarget(t *testing.T) *suite.Target {
	return &suite.Target{Checkpoint: 1, Addr: startEcho(t)}
}

// runChecks runs the echo checks whose names match pattern.
func runChecks(t *testing.T, pattern string) {
	suite.Test(t, echoTarget(t), suite.All(), regexp.MustCompile(pattern))
}

// TestEcho: messages of every size and byte value come back exactly
// (lisocheck's echo/exact-bytes, with 8 MiB in one write).
func TestEcho(t *testing.T) { runChecks(t, `^echo/exact-bytes$`) }

// TestCourseChecker is the course grader's checker (lisocheck's
// echo/course-stress): 800 sockets open at once, and 100 trials of 50
// random writes of up to 32 KiB each, interleaved across them; every echo
// must match exactly.
func TestCourseChecker(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 800 connections")
	}
	runChecks(t, `^echo/course-stress$`)
}

// TestMisbehavingClientsDoNotHurtOthers: clients that close or reset
// mid-message, never read, stall half-way, or send 16 MiB at once, while
// ten good clients keep checking their echoes (lisocheck's
// echo/survives-* checks).
func TestMisbehavingClientsDoNotHurtOthers(t *testing.T) { runChecks(t, `^echo/survives-`) }

// TestHalfClose: a client that shuts down its write side still receives
// everything it sent, and then the server closes the connection
// (lisocheck's echo/half-close).
func TestHalfClose(t *testing.T) { runChecks(t, `^echo/half-close$`) }

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
