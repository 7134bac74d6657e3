package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"liso/shared/lisotest"
)

func TestMain(m *testing.M) {
	lisotest.RunMainIfChild(main)
	os.Exit(m.Run())
}

const hangGuard = 20 * time.Second

var client = &http.Client{Timeout: hangGuard}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	return do(t, "GET", url)
}

// do sends one request with the test client and returns the answer and
// its whole body.
func do(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// clf matches an access log line: Combined Log Format and the scheme.
var clf = regexp.MustCompile(`(?m)^127\.0\.0\.1 - - \[[^]]+\] "GET /style\.css HTTP/1\.1" 200 \d+ "-" "Go-http-client/1\.1" http$`)

func TestServesTheDemoSite(t *testing.T) {
	p := lisotest.Start(t, nil, "--bind", "127.0.0.1", "0")
	base := "http://" + p.Addr(t)
	resp, body := get(t, base+"/")
	if resp.StatusCode != 200 || !strings.Contains(body, "Liso in Go") || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("GET / = %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for _, path := range []string{"/style.css", "/images/liso.png", "/images/noise.bin"} {
		if resp, _ := get(t, base+path); resp.StatusCode != 200 {
			t.Errorf("GET %s = %d; want 200", path, resp.StatusCode)
		}
	}
	if resp, _ := get(t, base+"/no-such-page"); resp.StatusCode != 404 {
		t.Errorf("GET /no-such-page = %d; want 404", resp.StatusCode)
	}
	client.CloseIdleConnections()
	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, hangGuard); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, p.Stderr())
	}
	if !clf.MatchString(p.Stderr()) {
		t.Errorf("no access log line for /style.css in:\n%s", p.Stderr())
	}
}

func TestServesTheWWWFolderArgument(t *testing.T) {
	www := t.TempDir()
	if err := os.WriteFile(filepath.Join(www, "index.html"), []byte("<p>mine</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "lisod.log")
	// The course's eight positional arguments.
	p := lisotest.Start(t, nil, "--bind", "127.0.0.1", "0", "0", logPath, "lock", www, "cgi", "key", "crt")
	resp, body := get(t, "http://"+p.Addr(t)+"/")
	if resp.StatusCode != 200 || body != "<p>mine</p>" {
		t.Errorf("GET / = %d %q; want the folder's index", resp.StatusCode, body)
	}
	for _, want := range []string{"Server", "Date", "Content-Length", "Content-Type", "Last-Modified", "Connection"} {
		if resp.Header.Get(want) == "" && !(want == "Content-Length" && resp.ContentLength >= 0) {
			t.Errorf("response lacks %s", want)
		}
	}
}

func TestConnectionCap503(t *testing.T) {
	p := lisotest.Start(t, nil, "--bind", "127.0.0.1", "--max-conns", "1", "0")
	addr := p.Addr(t)
	first, err := net.DialTimeout("tcp", addr, hangGuard)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	first.SetDeadline(time.Now().Add(hangGuard))
	br := bufio.NewReader(first)
	ask := func(when string) {
		fmt.Fprint(first, "GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("first client %s: %v %v", when, resp, err)
		}
		io.Copy(io.Discard, resp.Body)
	}
	ask("before the refusal")
	// The first client is connected and kept alive: the second is refused.
	resp, body := get(t, "http://"+addr+"/style.css")
	if resp.StatusCode != 503 || !strings.Contains(body, "503 Service Unavailable") {
		t.Errorf("second client got %d %q; want 503", resp.StatusCode, body)
	}
	// And the first is still served.
	ask("after the refusal")
}

// TestShutdownFinishesARequestInFlight: SIGTERM arrives while a request
// body is half sent; the request is still answered, then lisod exits 0.
func TestShutdownFinishesARequestInFlight(t *testing.T) {
	p := lisotest.Start(t, nil, "--bind", "127.0.0.1", "0")
	c, err := net.DialTimeout("tcp", p.Addr(t), hangGuard)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(hangGuard))
	// "100 Continue" proves that lisod has read the head: the request is
	// in flight before the signal, not still waiting to be accepted.
	fmt.Fprint(c, "POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(c)
	if line, err := br.ReadString('\n'); err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("interim answer %q, %v; want 100 Continue", line, err)
	}
	if _, err := br.ReadString('\n'); err != nil { // the empty line ending it
		t.Fatal(err)
	}
	fmt.Fprint(c, "half ")
	p.Signal(t, syscall.SIGTERM)
	// Wait until lisod says it is shutting down, then finish the body.
	deadline := time.Now().Add(hangGuard)
	for !strings.Contains(p.Stderr(), "shutting down") {
		if time.Now().After(deadline) {
			t.Fatalf("lisod never logged its shutdown:\n%s", p.Stderr())
		}
		time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
	}
	fmt.Fprint(c, "done!")
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer to the request in flight: %v", err)
	}
	if resp.StatusCode != 200 || !resp.Close {
		t.Errorf("answer during shutdown: %d, close=%v; want 200 with Connection: close", resp.StatusCode, resp.Close)
	}
	if code := p.Wait(t, hangGuard); code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, p.Stderr())
	}
}

func TestMissingWWWFolder(t *testing.T) {
	p := lisotest.Start(t, nil, "--www-folder", filepath.Join(t.TempDir(), "nope"), "0")
	if code := p.Wait(t, hangGuard); code != 1 {
		t.Errorf("exit code %d; want 1", code)
	}
	if got := p.Stderr(); !strings.HasPrefix(got, "lisod: opening www folder: ") || strings.Count(got, "\n") != 1 {
		t.Errorf("stderr = %q; want one line about the www folder", got)
	}
}
