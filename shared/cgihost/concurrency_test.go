package cgihost_test

import (
	"liso/shared/lisotest"

	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"liso/shared/cgihost"
)

// startWaiting starts a GET of /cgi/wait (a script that answers
// "started", then waits for release.fifo in its folder) and returns once
// the script has started, with a function that lets it finish and checks
// its answer.
func startWaiting(t *testing.T, addr, script string) (release func()) {
	t.Helper()
	fifo := makeFIFO(t, script)
	c := lisotest.Dial(t, addr)
	io.WriteString(c, get("/cgi/wait", "close"))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "started\n" {
		t.Fatalf("first line of /cgi/wait = %q, %v; want started", line, err)
	}
	return func() {
		t.Helper()
		writeFIFO(t, fifo, "now\n")
		rest, err := io.ReadAll(resp.Body)
		if err != nil || string(rest) != "released now\n" {
			t.Errorf("rest of /cgi/wait = %q, %v; want %q", rest, err, "released now\n")
		}
	}
}

// makeFIFO makes the FIFO that the router script's /wait and /sized-wait
// wait for, in the script's folder, and returns its path.
func makeFIFO(t *testing.T, script string) string {
	t.Helper()
	fifo := filepath.Join(filepath.Dir(script), "release.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil && !os.IsExist(err) {
		t.Fatal(err)
	}
	return fifo
}

// writeFIFO writes line to the FIFO. Opening it for writing blocks until
// the script has it open for reading.
func writeFIFO(t *testing.T, fifo, line string) {
	t.Helper()
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, line)
	f.Close()
}

// A slow script holds up nobody else.
func TestSlowScriptBesideFastRequests(t *testing.T) {
	script := routerScript(t)
	addr, _ := startCGI(t, &cgihost.Handler{Script: script, Timeout: 10 * hangGuard})
	release := startWaiting(t, addr, script)
	for i := range 20 {
		q := strconv.Itoa(i)
		got := readResponses(t, lisotest.Exchange(t, addr, get("/cgi/hello?"+q, "close")), "GET")
		want := []response{resp(200, "hello GET "+q+"\n", true, "Content-Type", "text/plain", "Connection", "close")}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("fast request %d beside a slow one (-want +got):\n%s", i, diff)
		}
	}
	release()
}

// Past MaxScripts running scripts, a request is answered 503 at once.
func TestMaxScripts(t *testing.T) {
	script := routerScript(t)
	addr, _ := startCGI(t, &cgihost.Handler{Script: script, MaxScripts: 1, Timeout: 10 * hangGuard})
	release := startWaiting(t, addr, script)
	got := readResponses(t, lisotest.Exchange(t, addr, get("/cgi/hello", "close")), "GET")
	want := errorPage(503, "close")
	want.Header["Retry-After"] = "1"
	if diff := cmp.Diff([]response{want}, got); diff != "" {
		t.Errorf("a second script past MaxScripts=1 (-want +got):\n%s", diff)
	}
	release()
	got = readResponses(t, lisotest.Exchange(t, addr, get("/cgi/hello", "close")), "GET")
	if got[0].Status != 200 {
		t.Errorf("after the first script ended: status %d; want 200", got[0].Status)
	}
}

// 200 scripts at once all answer, and none is left behind.
func TestManyConcurrentScripts(t *testing.T) {
	const n = 200
	addr, rec := startCGI(t, &cgihost.Handler{Script: routerScript(t), MaxScripts: n})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			// Not exchange: t.Fatal is for the test's own goroutine.
			q := strconv.Itoa(i)
			c, err := net.DialTimeout("tcp", addr, hangGuard)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(hangGuard))
			io.WriteString(c, get("/cgi/hello?"+q, "close"))
			got, err := io.ReadAll(c)
			if err != nil || !bytes.HasSuffix(got, []byte("hello GET "+q+"\n\r\n0\r\n\r\n")) {
				errs <- fmt.Errorf("request %d: answer %q, %v", i, got, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ended := rec.ended(t, n); len(ended) != n {
		t.Errorf("%d scripts ended; want %d", len(ended), n)
	}
	if kids := children(t); len(kids) != 0 {
		t.Errorf("child processes left after %d scripts: %v", n, kids)
	}
}

// A 10 MB body goes through the script (which copies it back) and back
// to the client intact, with a Content-Length and chunked.
func TestLargeBodyThrough(t *testing.T) {
	addr, _ := startCGI(t, &cgihost.Handler{Script: routerScript(t)})
	data := make([]byte, 10<<20)
	rand.Read(data)
	output := append([]byte("Content-Type: application/octet-stream\n\n"), data...)
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			c := lisotest.Dial(t, addr)
			// Write and read at once, as a real client must: the script
			// answers while the body still arrives.
			sent := make(chan error, 1)
			go func() {
				w := bufio.NewWriter(c)
				if chunked {
					fmt.Fprintf(w, "POST /cgi/cat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
					for p := output; len(p) > 0; {
						n := min(len(p), 100_000)
						fmt.Fprintf(w, "%x\r\n%s\r\n", n, p[:n])
						p = p[n:]
					}
					w.WriteString("0\r\n\r\n")
				} else {
					fmt.Fprintf(w, "POST /cgi/cat HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len(output))
					w.Write(output)
				}
				sent <- w.Flush()
			}()
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if err := <-sent; err != nil {
				t.Fatalf("sending: %v", err)
			}
			if resp.StatusCode != 200 || !bytes.Equal(got, data) {
				t.Errorf("status %d, %d bytes back (equal: %v); want 200 and the %d bytes sent",
					resp.StatusCode, len(got), bytes.Equal(got, data), len(data))
			}
		})
	}
}

// A script that writes far more than any buffer: the server holds a
// bounded amount of it at a time.
func TestLargeOutputBoundedMemory(t *testing.T) {
	const size = 64 << 20
	addr, _ := startCGI(t, &cgihost.Handler{Script: routerScript(t)})
	c := lisotest.Dial(t, addr)
	// HTTP/1.0: the body ends when the connection does, so the client
	// below reads raw bytes without decoding chunks.
	io.WriteString(c, "GET /cgi/big?"+strconv.Itoa(size)+" HTTP/1.0\r\n\r\n")
	buf := make([]byte, 64<<10)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	n, err := io.CopyBuffer(io.Discard, onlyReader{c}, buf)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if n < size {
		t.Fatalf("received %d bytes; want more than %d", n, size)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d MiB through in %v (%.0f MiB/s); %d KiB allocated meanwhile, heap in use %d KiB",
		size>>20, elapsed.Round(time.Millisecond), float64(size>>20)/elapsed.Seconds(), allocated>>10, after.HeapInuse>>10)
	if allocated > 4<<20 {
		t.Errorf("the server allocated %d bytes while relaying %d; want a bounded amount", allocated, size)
	}
}

// onlyReader hides WriteTo, so io.CopyBuffer uses the given buffer.
type onlyReader struct{ io.Reader }
