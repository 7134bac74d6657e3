package cgihost_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"liso/shared/cgihost"
	"liso/shared/httpconn"
	"liso/shared/lisotest"
	"liso/shared/server"
)

// hangGuard bounds every wait, so that a broken server fails a test
// instead of hanging it; it is not a speed assertion.
const hangGuard = 20 * time.Second

// crlf turns the "\n" of a readable request literal into "\r\n".
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// routerScript copies testdata/router.cgi into a new folder, executable,
// and returns its path.
func routerScript(t testing.TB) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "router.cgi"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "router.cgi")
	if err := os.WriteFile(path, src, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// goChild returns a script that runs this test binary in the given role
// (see TestMain): a symbolic link named role+".gocgi" to the binary.
func goChild(t testing.TB, role string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), role+".gocgi")
	if err := os.Symlink(exe, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// logRecorder is a slog.Handler that keeps every record, so that tests can
// wait for the server to report an event (a script reaped).
type logRecorder struct {
	mu      sync.Mutex
	records []logRecord   // guarded by mu
	changed chan struct{} // guarded by mu; closed and replaced on each record
}

// logRecord is a record with its attributes as text.
type logRecord struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

func newLogRecorder() *logRecorder { return &logRecorder{changed: make(chan struct{})} }

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{Level: r.Level, Msg: r.Message, Attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.String()
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, rec)
	close(l.changed)
	l.changed = make(chan struct{})
	return nil
}

// find returns the records for which match is true.
func (l *logRecorder) find(match func(logRecord) bool) []logRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logRecord
	for _, r := range l.records {
		if match(r) {
			out = append(out, r)
		}
	}
	return out
}

// waitFor waits until the n-th record for which match is true has been
// logged, and returns the matching records.
func (l *logRecorder) waitFor(t testing.TB, n int, what string, match func(logRecord) bool) []logRecord {
	t.Helper()
	deadline := time.After(hangGuard)
	for {
		l.mu.Lock()
		changed := l.changed
		l.mu.Unlock()
		if got := l.find(match); len(got) >= n {
			return got
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no %d log records %q after %v; log:\n%s", n, what, hangGuard, l)
		}
	}
}

// ended waits for n "cgi script ended" records and returns them.
func (l *logRecorder) ended(t testing.TB, n int) []logRecord {
	t.Helper()
	return l.waitFor(t, n, "cgi script ended", func(r logRecord) bool { return r.Msg == "cgi script ended" })
}

func (l *logRecorder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, r := range l.records {
		fmt.Fprintf(&b, "%v %s %v\n", r.Level, r.Msg, r.Attrs)
	}
	return b.String()
}

// startCGI serves h on a real listener at 127.0.0.1 and returns its
// address and the log of h and of the connection loop.
func startCGI(t testing.TB, h *cgihost.Handler) (string, *logRecorder) {
	t.Helper()
	rec := newLogRecorder()
	h.Log = slog.New(rec)
	web := &httpconn.Server{Handler: h, Log: h.Log}
	return lisotest.Serve(t, web), rec
}

// startSite serves a site routed as checkpoint 3's main routes it: the
// paths under /cgi to h, every other path to otherHandler, and h's local
// redirects out of /cgi through the same router.
func startSite(t testing.TB, h *cgihost.Handler) (string, *logRecorder) {
	t.Helper()
	rec := newLogRecorder()
	h.Log = slog.New(rec)
	routes := httpconn.NewMux()
	h.Site = routes
	routes.Handle("/cgi/", h)
	routes.Handle("/", otherHandler)
	return lisotest.Serve(t, &httpconn.Server{Handler: routes, Log: h.Log}), rec
}

// startCGITLS serves h over TLS and returns the address, a client
// configuration that trusts the server's certificate, and the log.
func startCGITLS(t testing.TB, h *cgihost.Handler) (string, *tls.Config, *logRecorder) {
	t.Helper()
	srvConf, clientConf := lisotest.TLSConfigs(t)
	rec := newLogRecorder()
	h.Log = slog.New(rec)
	web := &httpconn.Server{Handler: h, Log: h.Log}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- web.Serve(tls.NewListener(l, srvConf)) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := web.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("Serve returned %v; want ErrServerClosed", err)
		}
	})
	return l.Addr().String(), clientConf, rec
}

// response is the part of an answer the tests compare.
type response struct {
	Status  int
	Header  map[string]string // the fields in checkedFields
	Body    string
	Chunked bool
}

// checkedFields are the header fields responses are compared on.
var checkedFields = []string{"Content-Length", "Content-Type", "Connection", "Location", "Set-Cookie", "Retry-After", "X-Script", "X-Other", "Server"}

// readResponse reads one answer to a request with the given method.
func readResponse(t testing.TB, br *bufio.Reader, method string) response {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading a response body: %v (got %q)", err, body)
	}
	r := response{Status: resp.StatusCode, Body: string(body), Header: map[string]string{},
		Chunked: len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked"}
	if resp.Close {
		r.Header["Connection"] = "close" // net/http moves it to resp.Close
	}
	for _, k := range checkedFields {
		if v := resp.Header.Values(k); len(v) > 0 {
			r.Header[k] = strings.Join(v, "|")
		}
	}
	return r
}

// readResponses parses every answer in raw, for requests with the given
// methods, and fails if bytes are left over.
func readResponses(t testing.TB, raw string, methods ...string) []response {
	t.Helper()
	br := bufio.NewReader(strings.NewReader(raw))
	var out []response
	for _, m := range methods {
		out = append(out, readResponse(t, br, m))
	}
	if rest, _ := io.ReadAll(br); len(rest) > 0 {
		t.Fatalf("%d bytes after the expected responses: %q", len(rest), rest)
	}
	return out
}

// errorPage is the answer the server gives with status code.
func errorPage(code int, conn string) response {
	page := httpconn.ErrorPage(code)
	return response{Status: code, Body: page, Header: map[string]string{
		"Server": "Liso/1.0", "Connection": conn, "Content-Type": "text/html",
		"Content-Length": strconv.Itoa(len(page))}}
}

// procState returns the state letter of process pid ("R", "S", "Z"...)
// from /proc, or "" if there is no such process.
func procState(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	rest := string(data[strings.LastIndexByte(string(data), ')')+1:])
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}

// checkReaped fails unless process pid is gone entirely: a script the
// server started must be reaped, not left a zombie.
func checkReaped(t testing.TB, pid int) {
	t.Helper()
	if st := procState(pid); st != "" {
		t.Errorf("script process %d still exists in state %s; want it reaped", pid, st)
	}
}

// waitDead waits until process pid (not a child of ours: a script's own
// child, which the kernel gives to init) has died. The server has killed
// it already; the kernel finishes that on its own time, and /proc is the
// only place to see it, so this polls.
func waitDead(t testing.TB, pid int) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for {
		switch procState(pid) {
		case "", "Z", "X":
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive (state %s) %v after its script ended", pid, procState(pid), hangGuard)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// children returns the pids of this process's child processes, dead
// (zombie) or alive.
func children(t testing.TB) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	self := strconv.Itoa(os.Getpid())
	var kids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // it ended while we looked
		}
		fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(fields) > 1 && fields[1] == self {
			kids = append(kids, pid)
		}
	}
	return kids
}

// pidOf returns the pid attribute of a log record.
func pidOf(t testing.TB, r logRecord) int {
	t.Helper()
	pid, err := strconv.Atoi(r.Attrs["pid"])
	if err != nil {
		t.Fatalf("log record %v has no pid", r)
	}
	return pid
}
