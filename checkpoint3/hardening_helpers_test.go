package main

// This file holds what lisod's own part of the adversarial suite (the
// hardening_*_test.go files; the rest is lisocheck's robustness stage)
// shares: a www folder made for it, a lisod started with short timeouts,
// raw-socket reads, and checks on the child process.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The suite's www folder: small files whose bodies the tests recognise.
const (
	hardIndex  = "<!DOCTYPE html><title>hardening</title><h1>hardening suite</h1>\n"
	hardSecond = "second request answered\n"
	hardSecret = "TOP SECRET: outside the www folder\n"
)

// hardSite writes the suite's www folder, beside a secret file that must
// never be served, and returns the folder's path.
func hardSite(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	www := filepath.Join(top, "www")
	hardMust(t, os.MkdirAll(filepath.Join(www, "sub"), 0o755))
	hardMust(t, os.WriteFile(filepath.Join(www, "index.html"), []byte(hardIndex), 0o644))
	hardMust(t, os.WriteFile(filepath.Join(www, "second.txt"), []byte(hardSecond), 0o644))
	hardMust(t, os.WriteFile(filepath.Join(www, "sub", "page.html"), []byte("public page\n"), 0o644))
	hardMust(t, os.WriteFile(filepath.Join(top, "secret.txt"), []byte(hardSecret), 0o644))
	return www
}

func hardMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// hardTimeouts are the short timeouts most of the suite runs lisod with,
// so that a test waiting for one to expire stays fast.
var hardTimeouts = []string{
	"--header-timeout", "2s", "--body-timeout", "2s", "--write-timeout", "2s",
	"--idle-timeout", "5s", "--handshake-timeout", "2s",
}

// startHardened starts lisod in the foreground on free ports serving www,
// with the given flags after hardTimeouts (a later flag wins). When the
// test ends it fails the test if the child crashed or the race detector
// reported a race in it.
func startHardened(t *testing.T, www string, flags ...string) *foreground {
	t.Helper()
	args := append([]string{"--http-port", "0", "--https-port", "0", "--www-folder", www}, hardTimeouts...)
	f := startForeground(t, append(args, flags...)...)
	t.Cleanup(func() { hardHealthy(t, f) })
	return f
}

// hardHealthy fails t if lisod died, panicked or raced.
func hardHealthy(t *testing.T, f *foreground) {
	t.Helper()
	if err := f.Cmd.Process.Signal(syscall.Signal(0)); err != nil {
		// Gone: fine after a clean exit (a test stopped it), not otherwise.
		if code := f.Wait(t, 5*time.Second); code != 0 {
			t.Errorf("lisod is no longer running (exit code %d); stderr:\n%s", code, hardTail(f.Stderr(), 4000))
		}
	}
	for _, bad := range []string{"panic:", "WARNING: DATA RACE", "fatal error:"} {
		if strings.Contains(f.Stderr(), bad) {
			t.Errorf("lisod's stderr has %q:\n%s", bad, hardTail(f.Stderr(), 8000))
		}
	}
}

// hardTail is the end of a long log, for failure messages.
func hardTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// hardReply is one response as the suite compares it.
type hardReply struct {
	status int
	close  bool // "Connection: close" was sent
	body   string
}

// hardRead reads the next final response to a request with method, skipping
// interim (1xx) responses. The standard library's parser is the independent
// peer here.
func hardRead(br *bufio.Reader, method string) (hardReply, error) {
	for {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return hardReply{}, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return hardReply{}, fmt.Errorf("reading the body of a %d answer: %w", resp.StatusCode, err)
		}
		if resp.StatusCode >= 200 {
			return hardReply{status: resp.StatusCode, close: resp.Close, body: string(body)}, nil
		}
	}
}

// hardClosed reports whether err means the server closed the connection:
// an end of stream, or a reset (the server closed with request bytes still
// unread, which makes the kernel answer with RST).
func hardClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)
}

// hardRSS reads a process's resident memory from /proc.
func hardRSS(t *testing.T, pid int) int {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", line, err)
			}
			return n
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// hardFDs counts a process's open file descriptors.
func hardFDs(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// hardPoll polls cond every few milliseconds until it holds or limit
// passes, and reports whether it held.
func hardPoll(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond) // polling an observable condition, bounded above
	}
	return true
}
