// Package lisotest holds what the tests of every checkpoint share: a real
// server on 127.0.0.1 port 0, and lisod itself run as a child process.
//
// A checkpoint's tests start lisod by re-running their own test binary with
// a marker in the environment; TestMain sees the marker and calls the
// checkpoint's main instead of the tests (the way net/http/cgi's tests run
// their CGI child). No separate build step is needed, and under -race the
// child is race-checked too. Introduced in checkpoint 1.
package lisotest

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"liso/shared/certs"
	"liso/shared/server"
)

// Serve serves s (a server.Server, or an httpconn.Server) on a new
// listener at 127.0.0.1, on a port the kernel picks, and returns its
// address. The server shuts down when the test ends.
func Serve(t testing.TB, s server.Service) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("Serve returned %v; want ErrServerClosed", err)
		}
	})
	return l.Addr().String()
}

// runMainEnv marks a child process that should run main, not the tests.
const runMainEnv = "LISOTEST_RUN_MAIN"

// ChildEnv is the environment entry that makes a re-run of the test
// binary run main: a command started with it is lisod (as Start does).
func ChildEnv() string { return runMainEnv + "=1" }

// RunMainIfChild runs main and exits when this process is a child started
// by Start. Call it first thing in TestMain.
func RunMainIfChild(main func()) {
	if os.Getenv(runMainEnv) != "1" {
		return
	}
	main()
	os.Exit(0)
}

// Proc is lisod running as a child process.
type Proc struct {
	Cmd *exec.Cmd

	lines  chan string // stdout, line by line; closed at its end
	mu     sync.Mutex
	stderr strings.Builder // guarded by mu
	waited chan struct{}   // closed when the process has exited
}

// Start runs the test binary as lisod with args. The child inherits env
// entries given as "KEY=value" in env. It is killed when the test ends, if
// it is still running.
func Start(t testing.TB, env []string, args ...string) *Proc {
	t.Helper()
	return StartProgram(t, os.Args[0], append([]string{runMainEnv + "=1"}, env...), args...)
}

// StartProgram is Start for a lisod built apart from the test binary, as
// a package other than a checkpoint's needs: it runs the program at path.
func StartProgram(t testing.TB, path string, env []string, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &Proc{Cmd: cmd, lines: make(chan string, 1024), waited: make(chan struct{})}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.stderr.Write(b)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		// Read stdout to its end (cmd.Wait needs that), then reap.
		defer close(p.waited)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		cmd.Wait() // the exit status stays in cmd.ProcessState
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.waited
	})
	return p
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// listenRE finds the address in lisod's "listening on ADDR" stdout line.
var listenRE = regexp.MustCompile(`listening on (\S+)`)

// Addr reads stdout until lisod says where it listens, and returns that
// address with the host replaced by 127.0.0.1 (lisod may listen on every
// interface; tests talk to loopback only).
func (p *Proc) Addr(t testing.TB) string {
	t.Helper()
	line, err := p.ReadLine(10 * time.Second)
	if err != nil {
		t.Fatalf("lisod did not start: %v; stderr:\n%s", err, p.Stderr())
	}
	m := listenRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("lisod's first line %q names no address; stderr:\n%s", line, p.Stderr())
	}
	_, port, err := net.SplitHostPort(m[1])
	if err != nil {
		t.Fatalf("lisod printed a bad address %q: %v", m[1], err)
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// ReadLine returns the child's next stdout line, or an error when none
// comes within timeout.
func (p *Proc) ReadLine(timeout time.Duration) (string, error) {
	select {
	case line, ok := <-p.lines:
		if !ok {
			return "", io.EOF
		}
		return line, nil
	case <-time.After(timeout):
		return "", errors.New("timed out waiting for a line on stdout")
	}
}

// Stderr is everything the child wrote to stderr so far.
func (p *Proc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Signal sends sig to the child.
func (p *Proc) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// Wait waits up to timeout for the child to exit and returns its exit code
// (-1 when a signal killed it).
func (p *Proc) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.waited:
	case <-time.After(timeout):
		t.Fatalf("lisod still running after %v; stderr:\n%s", timeout, p.Stderr())
	}
	return p.Cmd.ProcessState.ExitCode()
}

// LineContaining reads stdout until a line contains substr and returns it.
func (p *Proc) LineContaining(t testing.TB, substr string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		line, err := p.ReadLine(time.Until(deadline))
		if err != nil {
			t.Fatalf("no stdout line containing %q: %v; stderr:\n%s", substr, err, p.Stderr())
		}
		if strings.Contains(line, substr) {
			return line
		}
	}
}

// WaitStderr waits until the child's stderr contains substr (its log, when
// it logs to stderr), polling with a bounded deadline.
func (p *Proc) WaitStderr(t testing.TB, substr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.Stderr(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("stderr never contained %q:\n%s", substr, p.Stderr())
		}
		time.Sleep(5 * time.Millisecond) // polling an observable condition, bounded above
	}
}

// HangGuard bounds every network wait in tests, so that a broken server
// fails a test instead of hanging it. It is not a speed assertion.
const HangGuard = 20 * time.Second

// Dial connects to addr with HangGuard as the connection's deadline, and
// closes the connection when the test ends.
func Dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, HangGuard)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(HangGuard))
	t.Cleanup(func() { c.Close() })
	return c
}

// Exchange sends raw bytes on a new connection and returns everything the
// server sends until it closes the connection.
func Exchange(t testing.TB, addr, raw string) string {
	t.Helper()
	c := Dial(t, addr)
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading the answers to %q: %v (got %q)", raw, err, got)
	}
	return string(got)
}

// SyncBuffer is a log destination that a server's goroutines can share
// with the test reading it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TLSConfigs makes a certificate for 127.0.0.1 from a new CA, and returns
// a server configuration that uses it and a client one that trusts only
// that CA.
func TLSConfigs(t testing.TB) (srv, client *tls.Config) {
	t.Helper()
	ca, err := certs.CreateCA(t.TempDir(), certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ca.Issue(certs.Request{})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		&tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
}

// NeedCommand returns the path of the program name, which the Debian
// package pkg provides. When it is missing the test is skipped, saying
// what to install; in CI (CI=true), where every package is installed, it
// fails instead, so that a missing package cannot pass for a passing test.
func NeedCommand(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := name + " is not installed (sudo apt-get install " + pkg + ")"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true: not skipped")
	}
	t.Skip(msg)
	return ""
}
