package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"liso/shared/lisotest"
	"liso/shared/server"
)

const hangGuard = 20 * time.Second

// greet writes "hi\n" and then waits for the client to close.
var greet = server.HandlerFunc(func(ctx context.Context, c net.Conn) {
	c.Write([]byte("hi\n"))
	io.Copy(io.Discard, c)
})

func readLine(t *testing.T, c net.Conn) string {
	t.Helper()
	var b [64]byte
	n, err := c.Read(b[:])
	if err != nil && n == 0 {
		return "error: " + err.Error()
	}
	return string(b[:n])
}

func TestConnectionCap(t *testing.T) {
	const max = 3
	srv := &server.Server{
		Handler:  greet,
		MaxConns: max,
		Refuse:   func(c net.Conn) { c.Write([]byte("busy\n")) },
	}
	addr := lisotest.Serve(t, srv)
	var held []net.Conn
	for range max {
		c := lisotest.Dial(t, addr)
		if got := readLine(t, c); got != "hi\n" {
			t.Fatalf("connection under the cap got %q; want hi", got)
		}
		held = append(held, c)
	}
	over := lisotest.Dial(t, addr)
	if got := readLine(t, over); got != "busy\n" {
		t.Fatalf("connection over the cap got %q; want busy", got)
	}
	if _, err := io.ReadAll(over); err != nil {
		t.Fatalf("refused connection: %v; want a clean close", err)
	}
	// Freeing a slot lets the next client in. The server notices the close
	// asynchronously, so poll with new connections until one is admitted.
	held[0].Close()
	for {
		c := lisotest.Dial(t, addr)
		got := readLine(t, c)
		c.Close()
		if got == "hi\n" {
			break
		}
		if got != "busy\n" {
			t.Fatalf("after a slot freed, got %q", got)
		}
	}
}

// flakyListener fails Accept with EMFILE a number of times first, as a
// listener does when the process runs out of file descriptors.
type flakyListener struct {
	net.Listener
	mu       sync.Mutex
	failures int
}

func (l *flakyListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.failures > 0 {
		l.failures--
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

func TestAcceptErrorsBackOff(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs lisotest.SyncBuffer
	fl := &flakyListener{Listener: inner, failures: 4}
	srv := &server.Server{Handler: greet, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	go srv.Serve(fl)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })

	c := lisotest.Dial(t, inner.Addr().String())
	if got := readLine(t, c); got != "hi\n" {
		t.Fatalf("after accept errors, got %q; want hi", got)
	}
	log := logs.String()
	if n := strings.Count(log, "accept failed"); n != 4 {
		t.Errorf("logged %d accept failures; want 4:\n%s", n, log)
	}
	for _, wait := range []string{"wait=5ms", "wait=10ms", "wait=20ms", "wait=40ms"} {
		if !strings.Contains(log, wait) {
			t.Errorf("log lacks back-off step %s:\n%s", wait, log)
		}
	}
}

func TestShutdownWaitsForHandlers(t *testing.T) {
	release := make(chan struct{})
	finished := make(chan struct{})
	var finishOnce sync.Once
	// The handler notices shutdown, then finishes its work before returning.
	// (The probes below may be accepted before the listener closes: their
	// handlers run this too, hence the Once.)
	srv := &server.Server{Handler: server.HandlerFunc(func(ctx context.Context, c net.Conn) {
		c.Write([]byte("hi\n"))
		<-ctx.Done()
		<-release
		c.Write([]byte("bye\n"))
		finishOnce.Do(func() { close(finished) })
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	c := lisotest.Dial(t, l.Addr().String())
	readLine(t, c)

	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	// New connections are refused once shutdown has begun.
	for {
		if nc, err := net.Dial("tcp", l.Addr().String()); err != nil {
			break
		} else {
			nc.Close()
		}
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v while a handler was still working", err)
	default:
	}
	close(release)
	if got := readLine(t, c); got != "bye\n" {
		t.Fatalf("handler's last words = %q; want bye", got)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown = %v; want nil", err)
	}
	<-finished
}

func TestShutdownGracePeriodCloses(t *testing.T) {
	// A handler that ignores shutdown is cut off when the grace period ends.
	started := make(chan struct{})
	srv := &server.Server{Handler: server.HandlerFunc(func(ctx context.Context, c net.Conn) {
		close(started)
		io.Copy(io.Discard, c)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(l) }()
	c := lisotest.Dial(t, l.Addr().String())
	<-started
	if n := srv.OpenConns(); n != 1 {
		t.Fatalf("OpenConns = %d; want 1", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v; want DeadlineExceeded", err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("client read after forced close = %v; want EOF", err)
	}
	if err := <-serveErr; !errors.Is(err, server.ErrServerClosed) {
		t.Fatalf("Serve = %v; want ErrServerClosed", err)
	}
}

func TestListenErrors(t *testing.T) {
	l, err := server.Listen("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = server.Listen("127.0.0.1", port)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Listen on a used port = %v; want 'address already in use'", err)
	}
	if strings.Count(err.Error(), "127.0.0.1") != 1 {
		t.Errorf("error repeats the address: %q", err)
	}
}

// unprivilegedEnv marks the copy of this test binary that
// TestListenPrivilegedPort runs without privileges.
const unprivilegedEnv = "LISO_TEST_UNPRIVILEGED"

// TestListenPrivilegedPort: an unprivileged lisod asking for port 1 is
// told why it may not have it, and what to do. The test runs a copy of its
// own binary, as user nobody when the test runs as root.
func TestListenPrivilegedPort(t *testing.T) {
	if os.Getenv(unprivilegedEnv) == "1" {
		_, err := server.Listen("127.0.0.1", 1)
		fmt.Printf("Listen: %v\n", err)
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "server.test")
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestListenPrivilegedPort$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), unprivilegedEnv+"=1")
	if os.Getuid() == 0 {
		// nobody must reach the copy: t.TempDir's folders are 0700.
		for _, d := range []string{dir, filepath.Dir(dir)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("running the unprivileged copy: %v\n%s", err, out)
	}
	line, _, _ := strings.Cut(string(out), "\n")
	if line == "Listen: <nil>" {
		t.Skip("this system lets unprivileged programs bind port 1 (net.ipv4.ip_unprivileged_port_start)")
	}
	want := "Listen: cannot listen on 127.0.0.1:1: bind: permission denied (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability:"
	if !strings.HasPrefix(line, want) {
		t.Errorf("%s\nwant it to start %q", line, want)
	}
}
