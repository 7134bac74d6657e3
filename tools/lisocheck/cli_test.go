package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns what it printed.
func runCLI(t *testing.T, args ...string) (out string, failed bool, err error) {
	t.Helper()
	var stdout, stderr strings.Builder
	failed, err = run(context.Background(), args, &stdout, &stderr)
	return stdout.String() + stderr.String(), failed, err
}

// buildLisod builds a checkpoint's lisod for the tests that start one.
func buildLisod(t *testing.T, checkpoint string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lisod")
	cmd := exec.Command("go", "build", "-o", bin, "../../"+checkpoint)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestHelpHasExamples(t *testing.T) {
	out, failed, err := runCLI(t, "--help")
	if err != nil || failed {
		t.Fatalf("--help: %v, failed %v", err, failed)
	}
	for _, want := range []string{"Usage: lisocheck", "--checkpoint", "Examples:", "lisocheck --checkpoint 2 -- ./lisod", "--write-only", "Exit code"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
}

func TestBadCommandLines(t *testing.T) {
	www := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "no server to check"},
		{[]string{"--checkpoint", "4", "--", "x"}, "--checkpoint"},
		{[]string{"--run", "(", "--", "x"}, "--run"},
		{[]string{"--run", "no-such-check", "--", "x"}, "no check of checkpoint 3 matches"},
		{[]string{"--addr", "127.0.0.1:1", "--", "x"}, "not both"},
		{[]string{"--checkpoint", "2", "--addr", "127.0.0.1:1"}, "needs --www"},
		{[]string{"--addr", "127.0.0.1:1", "--www", www}, "needs --tls-addr"},
		{[]string{"--write-only"}, "--write-only needs --www"},
		{[]string{"--", filepath.Join(www, "no-such-server")}, "no-such-server"},
	} {
		_, _, err := runCLI(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("lisocheck %q: error %v; want one line with %q", tt.args, err, tt.want)
		}
	}
}

func TestListNamesChecksInStageOrder(t *testing.T) {
	out, _, err := runCLI(t, "--list", "--checkpoint", "1")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "echo/") || !strings.Contains(l, "checkpoint 1: echo") {
			t.Errorf("--list --checkpoint 1 line %q is not an echo check", l)
		}
	}
	if len(lines) < 5 {
		t.Errorf("--list --checkpoint 1 lists %d checks:\n%s", len(lines), out)
	}
}

// TestStartsAndPasses starts lisod (checkpoint 2) as a student's server,
// with the eight arguments, and runs one check.
func TestStartsAndPasses(t *testing.T) {
	lisod := buildLisod(t, "checkpoint2")
	out, failed, err := runCLI(t, "--checkpoint", "2", "--run", "^http/404-not-found$", "--", lisod, "--bind", "127.0.0.1")
	if err != nil || failed {
		t.Fatalf("err %v, failed %v:\n%s", err, failed, out)
	}
	for _, want := range []string{"started " + lisod + " --bind 127.0.0.1 with the course's eight arguments", "PASS http/404-not-found", "1 passed, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	var stdout, stderr strings.Builder
	failed, err = run(context.Background(), []string{"--json", "--checkpoint", "2", "--run", "^http/(404-not-found|mime-types)$", "--", lisod, "--bind", "127.0.0.1"}, &stdout, &stderr)
	if err != nil || failed {
		t.Fatalf("--json: err %v, failed %v:\n%s%s", err, failed, stdout.String(), stderr.String())
	}
	var doc struct {
		Passed, Failed int
		Results        []struct{ Name, Verdict, Rule, Doc string }
	}
	if err := json.Unmarshal([]byte(stdout.String()), &doc); err != nil {
		t.Fatalf("--json printed no JSON document alone: %v\n%s", err, stdout.String())
	}
	if doc.Passed != 2 || doc.Failed != 0 || len(doc.Results) != 2 || doc.Results[0].Rule == "" || doc.Results[0].Doc == "" {
		t.Errorf("--json = %+v", doc)
	}
}

// TestFailureSaysWhy checks a server that answers every request with the
// same bare 200: lisocheck must fail it and say what it sent, what came
// back, what it expected, why, and where to read about it.
func TestFailureSaysWhy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for { // read a head, answer it, whatever it asked
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if strings.TrimSpace(line) == "" {
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
					}
				}
			}()
		}
	}()
	out, failed, err := runCLI(t, "--checkpoint", "2", "--addr", l.Addr().String(), "--www", t.TempDir(), "--run", "^http/404-not-found$")
	if err != nil || !failed {
		t.Fatalf("err %v, failed %v; want a failed check:\n%s", err, failed, out)
	}
	for _, want := range []string{"FAIL http/404-not-found", "sent:", "GET /", "got:", "HTTP/1.1 200 OK", "expected:", "404", "why:", "read:", "docs/", "0 passed, 1 failed", "--run '^(http/404-not-found)$'"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteOnly(t *testing.T) {
	dir := t.TempDir()
	www, certsDir := filepath.Join(dir, "www"), filepath.Join(dir, "certs")
	out, _, err := runCLI(t, "--write-only", "--www", www, "--certs", certsDir)
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	for _, f := range []string{filepath.Join(www, "index.html"), filepath.Join(www, "lisocheck.cgi"), filepath.Join(certsDir, "server.key"), filepath.Join(certsDir, "server.crt"), filepath.Join(certsDir, "ca", "ca.crt")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("--write-only did not write %s: %v", f, err)
		}
		if !strings.Contains(out, filepath.Base(f)) && filepath.Base(f) != "index.html" {
			t.Errorf("--write-only did not print %s:\n%s", f, out)
		}
	}
}
