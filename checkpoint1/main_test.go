package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
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

func echoOnce(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(hangGuard))
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != msg {
		t.Fatalf("echo = %q; want %q", got, msg)
	}
}

func TestServesAndStopsOnSIGTERM(t *testing.T) {
	p := lisotest.Start(t, nil, "--bind", "127.0.0.1", "0")
	addr := p.Addr(t)
	c, err := net.DialTimeout("tcp", addr, hangGuard)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	echoOnce(t, c, "hello over a real socket\n")

	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, hangGuard); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d; want 0; stderr:\n%s", code, p.Stderr())
	}
	// The open, idle connection was closed by the shutdown.
	c.SetReadDeadline(time.Now().Add(hangGuard))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("client read after shutdown = %v; want EOF", err)
	}
	log := p.Stderr()
	for _, want := range []string{`msg="lisod started"`, "version=1.0", "pid=", "echo=127.0.0.1:",
		`msg="connection opened" remote=127.0.0.1:`, `msg="connection closed" remote=127.0.0.1:`, `msg="shutting down"`, "msg=stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestLogFileIsAppendedTo(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "lisod.log")
	if err := os.WriteFile(logPath, []byte("a line from before\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	// The course's eight arguments, most of them unused here.
	p := lisotest.Start(t, nil, "--bind", "127.0.0.1", "0", "0", logPath, "lock", "www", "cgi", "key", "cert")
	p.Addr(t)
	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, hangGuard); code != 0 {
		t.Fatalf("exit code = %d; stderr:\n%s", code, p.Stderr())
	}
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	if !strings.HasPrefix(log, "a line from before\n") {
		t.Errorf("log file was truncated:\n%s", log)
	}
	if !strings.Contains(log, `msg="lisod started"`) || !strings.Contains(log, "msg=stopped") {
		t.Errorf("log file lacks the start and stop lines:\n%s", log)
	}
	if p.Stderr() != "" {
		t.Errorf("with a log file, stderr should stay empty; got:\n%s", p.Stderr())
	}
}

type badStartTest struct {
	name string
	args func(t *testing.T) []string
	want string // in the one line on stderr
}

var badStartTests = []badStartTest{
	{"port not a number", func(*testing.T) []string { return []string{"http"} }, `"http" is not a port number`},
	{"port out of range", func(*testing.T) []string { return []string{"99999"} }, `"99999" is not a port number`},
	{"log folder missing", func(t *testing.T) []string {
		return []string{"0", "0", filepath.Join(t.TempDir(), "no", "such", "lisod.log")}
	}, "opening log file"},
	{"port in use", func(t *testing.T) []string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		_, port, _ := net.SplitHostPort(l.Addr().String())
		return []string{"--bind", "127.0.0.1", port}
	}, "address already in use"},
	{"nine arguments", func(*testing.T) []string { return strings.Fields("1 2 3 4 5 6 7 8 9") }, "at most 8 arguments"},
}

func TestBadStartIsOneLine(t *testing.T) {
	for _, tt := range badStartTests {
		t.Run(tt.name, func(t *testing.T) {
			p := lisotest.Start(t, nil, tt.args(t)...)
			code := p.Wait(t, hangGuard)
			stderr := p.Stderr()
			if code != 1 {
				t.Errorf("exit code = %d; want 1", code)
			}
			if !strings.HasPrefix(stderr, "lisod: ") || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q; want one line 'lisod: ...%s...'", stderr, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	p := lisotest.Start(t, nil, "--help")
	var out strings.Builder
	for {
		line, err := p.ReadLine(hangGuard)
		if err != nil {
			break
		}
		out.WriteString(line + "\n")
	}
	if code := p.Wait(t, hangGuard); code != 0 {
		t.Fatalf("--help exit code = %d; want 0", code)
	}
	if !strings.Contains(out.String(), "Usage: lisod") || !strings.Contains(out.String(), "echo server") {
		t.Errorf("--help printed:\n%s", out.String())
	}
}
