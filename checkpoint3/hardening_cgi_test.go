package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These cases run against a live lisod with hardCGIScript as its CGI
// script.

// hardCGIScript is the suite's CGI script, for bash (bash is the shell
// that once imported functions from the environment: Shellshock). What it
// does depends on PATH_INFO; every run appends its pid to runs.log.
const hardCGIScript = `#!/bin/bash
echo $$ >> runs.log
case "$PATH_INFO" in
/env) # the environment the script got, one variable a line
	printf 'Content-Type: text/plain\n\n'
	env ;;
/grandchild) # leaves a child behind, holding stdout open, and exits
	sleep 60 &
	printf 'Content-Type: text/plain\n\nchild %s\n' "$!"
	exit 0 ;;
/closes-stdout) # answers, closes stdout, and keeps running
	printf 'Content-Type: text/plain\n\nscript %s\n' "$$"
	exec >&-
	sleep 60 ;;
/big-header) # a 1 MiB header field
	printf 'Content-Type: text/plain\nX-Big: '
	head -c 1048576 /dev/zero | tr '\0' a
	printf '\n\nbody\n' ;;
*) # anything else: the PATH_INFO the script got
	printf 'Content-Type: text/plain\n\nPATH_INFO=%s\n' "$PATH_INFO" ;;
esac
`

// startCGI serves www, with hardCGIScript mounted at /cgi, and returns the
// address and the folder the script runs in.
func startCGI(t *testing.T, www string) (addr, dir string) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	dir = t.TempDir()
	script := filepath.Join(dir, "hard.cgi")
	hardMust(t, os.WriteFile(script, []byte(hardCGIScript), 0o755))
	f := startHardened(t, www, "--cgi-script", script, "--cgi-timeout", "10s")
	return f.http, dir
}

// cgiGet sends one request with extra header lines and returns the answer
// and how long it took.
func cgiGet(t *testing.T, addr, target, fields string) (hardReply, time.Duration) {
	t.Helper()
	c := hardDial(t, addr, 15*time.Second)
	start := time.Now()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n", target, fields)
	a, err := hardRead(bufio.NewReader(c), "GET")
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return a, time.Since(start)
}

// cgiGone reports whether process pid no longer runs: it does not exist, or
// it is a zombie waiting for init (dead; reaping orphans is init's job).
func cgiGone(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return strings.HasPrefix(rest, "Z")
}

// cgiRuns returns the pids of the script runs so far.
func cgiRuns(t *testing.T, dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, "runs.log"))
	if os.IsNotExist(err) {
		return nil
	}
	hardMust(t, err)
	return strings.Fields(string(b))
}

// TestCGIHostileRequests: requests that attack a CGI script through its
// environment or its path.
func TestCGIHostileRequests(t *testing.T) {
	www := hardSite(t)
	addr, dir := startCGI(t, www)

	t.Run("httpoxy", func(t *testing.T) {
		// A Proxy header must not become HTTP_PROXY, which many HTTP
		// libraries in a script take as their outgoing proxy.
		a, _ := cgiGet(t, addr, "/cgi/env", "Proxy: http://evil.example:8080\r\n")
		if a.status != 200 || strings.Contains(a.body, "HTTP_PROXY=") || strings.Contains(a.body, "evil.example") {
			t.Errorf("GET /cgi/env with Proxy: %d; the script's environment has it:\n%s", a.status, a.body)
		}
	})

	t.Run("shellshock", func(t *testing.T) {
		// A function definition in a header value reaches the script as
		// plain text; nothing runs it, neither lisod (no shell between
		// lisod and the script) nor bash.
		value := "() { :;}; echo SHOCKED; touch shocked"
		a, _ := cgiGet(t, addr, "/cgi/env", "X-Shock: "+value+"\r\n")
		if a.status != 200 || !strings.Contains(a.body, "HTTP_X_SHOCK="+value+"\n") {
			t.Errorf("GET /cgi/env with X-Shock: %d; want the value passed verbatim:\n%s", a.status, a.body)
		}
		if strings.Contains("\n"+a.body, "\nSHOCKED\n") {
			t.Errorf("the header value ran as code:\n%s", a.body)
		}
		if _, err := os.Stat(filepath.Join(dir, "shocked")); err == nil {
			t.Errorf("the header value ran as code: %s exists", filepath.Join(dir, "shocked"))
		}
	})

	t.Run("1 MiB request header", func(t *testing.T) {
		before := len(cgiRuns(t, dir))
		a, _ := cgiGet(t, addr, "/cgi/env", "X-Big: "+strings.Repeat("b", 1<<20)+"\r\n")
		if a.status != 431 {
			t.Errorf("GET /cgi/env with a 1 MiB header: %d; want 431", a.status)
		}
		if after := len(cgiRuns(t, dir)); after != before {
			t.Errorf("the script ran for a request that was refused")
		}
	})

	t.Run("PATH_INFO with dot-dot", func(t *testing.T) {
		// The path is decoded and cleaned before it is split: what is
		// left for PATH_INFO has no ".." to climb with, and what climbs
		// out of /cgi is no longer a CGI request.
		for _, tt := range []struct{ target, pathInfo string }{
			{"/cgi/a/../b", "/b"},
			{"/cgi/a/%2e%2e/b", "/b"},
			{"/cgi/a/..%2fb", "/b"},
			{"/cgi/a/b/../../../secret.txt", ""},
			{"/cgi/%2e%2e/%2e%2e/secret.txt", ""},
			{"/cgi/..%2f..%2fsecret.txt", ""},
			{"/cgi/../secret.txt", ""},
		} {
			a, _ := cgiGet(t, addr, tt.target, "")
			got, fromScript := strings.CutPrefix(a.body, "PATH_INFO=")
			got = strings.TrimSpace(got)
			switch {
			case strings.Contains(a.body, "TOP SECRET"):
				t.Errorf("GET %s leaked the file outside the folder", tt.target)
			case tt.pathInfo == "" && fromScript:
				t.Errorf("GET %s ran the script with PATH_INFO=%s; want the request outside /cgi", tt.target, got)
			case tt.pathInfo == "" && a.status != 404:
				t.Errorf("GET %s: %d; want 404 from the static files", tt.target, a.status)
			case tt.pathInfo != "" && got != tt.pathInfo:
				t.Errorf("GET %s: %d %q; want the script run with PATH_INFO=%s", tt.target, a.status, a.body, tt.pathInfo)
			}
		}
	})
}

// TestCGIHostileScripts: scripts that misbehave towards lisod: each is
// answered promptly and leaves no process running.
func TestCGIHostileScripts(t *testing.T) {
	addr, dir := startCGI(t, hardSite(t))

	t.Run("1 MiB header from the script", func(t *testing.T) {
		a, took := cgiGet(t, addr, "/cgi/big-header", "")
		if a.status != 502 {
			t.Errorf("a script with a 1 MiB header field: %d; want 502", a.status)
		}
		t.Logf("502 after %v", took.Round(time.Millisecond))
		cgiReaped(t, dir)
	})

	t.Run("a grandchild holds stdout open", func(t *testing.T) {
		a, took := cgiGet(t, addr, "/cgi/grandchild", "")
		child, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(a.body, "child ")))
		if a.status != 200 || err != nil {
			t.Fatalf("GET /cgi/grandchild: %d %q", a.status, a.body)
		}
		if took > 5*time.Second {
			t.Errorf("the answer took %v: it waited for the grandchild", took)
		}
		if !hardPoll(5*time.Second, func() bool { return cgiGone(child) }) {
			t.Errorf("the grandchild %d still runs after the script exited", child)
		}
		t.Logf("answered in %v; grandchild %d gone", took.Round(time.Millisecond), child)
		cgiReaped(t, dir)
	})

	t.Run("the script closes stdout and keeps running", func(t *testing.T) {
		a, took := cgiGet(t, addr, "/cgi/closes-stdout", "")
		pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(a.body, "script ")))
		if a.status != 200 || err != nil {
			t.Fatalf("GET /cgi/closes-stdout: %d %q", a.status, a.body)
		}
		if took > 5*time.Second {
			t.Errorf("the answer took %v: it waited for the script to exit", took)
		}
		if !hardPoll(5*time.Second, func() bool { return cgiGone(pid) }) {
			t.Errorf("the script %d still runs after its answer was sent", pid)
		}
		t.Logf("answered in %v; script %d gone", took.Round(time.Millisecond), pid)
		cgiReaped(t, dir)
	})
}

// cgiReaped fails t if a script run is still a process: running, or a
// zombie this process has not reaped (its parent is lisod, here the test).
func cgiReaped(t *testing.T, dir string) {
	t.Helper()
	for _, p := range cgiRuns(t, dir) {
		pid, _ := strconv.Atoi(p)
		if !hardPoll(5*time.Second, func() bool { _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); return err != nil }) {
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			t.Errorf("script run %d is still a process: %s", pid, stat)
		}
	}
}
