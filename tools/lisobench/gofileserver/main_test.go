package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// lineWriter hands each line written to it to a channel, so the test
// learns the server's address from its start line.
type lineWriter struct{ lines chan string }

func (w lineWriter) Write(p []byte) (int, error) {
	w.lines <- string(p)
	return len(p), nil
}

type serveTest struct {
	path       string
	wantStatus int
	wantBody   string
	wantLog    string // regexp for the access log line
}

var serveTests = []serveTest{
	{"/hello.txt", 200, "hello, world\n", `^127\.0\.0\.1 - - \[[^]]+\] "GET /hello.txt HTTP/1.1" 200 13 "-" "lisobench-test"$`},
	{"/missing", 404, "404 page not found\n", `^127\.0\.0\.1 - - \[[^]]+\] "GET /missing HTTP/1.1" 404 19 "-" "lisobench-test"$`},
}

// TestServe runs the peer on 127.0.0.1 port 0 and checks its answers and
// its access log, including the byte count of a file sent by ReadFrom.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "www")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "hello.txt"), []byte("hello, world\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "access.log")

	ctx, cancel := context.WithCancel(context.Background())
	out := lineWriter{lines: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-http", "127.0.0.1:0", "-root", root, "-log", logPath}, out, io.Discard)
	}()
	var addr string
	select {
	case line := <-out.lines:
		m := regexp.MustCompile(`HTTP listening on (\S+),`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("start line %q names no address", line)
		}
		addr = m[1]
	case err := <-done:
		t.Fatalf("run = %v before it listened", err)
	}

	client := &http.Client{Timeout: 5 * time.Second}
	for _, tt := range serveTests {
		req, _ := http.NewRequest("GET", "http://"+addr+tt.path, nil)
		req.Header.Set("User-Agent", "lisobench-test")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
			t.Errorf("GET %s = %d %q, %v; want %d %q", tt.path, resp.StatusCode, body, err, tt.wantStatus, tt.wantBody)
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run = %v after shutdown; want nil", err)
	}
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	if len(lines) != len(serveTests) {
		t.Fatalf("access log has %d lines; want %d:\n%s", len(lines), len(serveTests), strings.Join(lines, "\n"))
	}
	for i, tt := range serveTests {
		if !regexp.MustCompile(tt.wantLog).MatchString(lines[i]) {
			t.Errorf("access log line %d = %q; want a match for %s", i+1, lines[i], tt.wantLog)
		}
	}
}
