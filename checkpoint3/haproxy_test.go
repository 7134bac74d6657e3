package main

// lisod behind a real load balancer: HAProxy, with the configuration
// docs/production.md shows (examples/haproxy/haproxy.cfg), in front of
// two lisods on loopback.

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/csv"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"liso/shared/lisotest"
)

// The addresses on loopback: HAProxy connects to the lisods from
// 127.0.0.1, which they trust; the clients connect to HAProxy from
// 127.0.0.2 (Linux answers on all of 127.0.0.0/8), so that a log line
// naming the client cannot be mistaken for one naming HAProxy.
const (
	proxyAddr  = "127.0.0.1"
	clientAddr = "127.0.0.2"
)

// proxied is a lisod in the foreground that trusts PROXY headers from
// proxyAddr and logs to a file of its own.
type proxied struct {
	*lisotest.Proc
	name        string
	http, https string // 127.0.0.1:port
	httpPort    string
	logFile     string
	requests    int // of the load, as its log counts them
}

// startProxied starts a lisod with its certificate from home, which two
// lisods share: the site's one certificate, on both.
func startProxied(t *testing.T, name, home string) *proxied {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), name+".log")
	// Under -race a program sleeps a second at exit, unless told not to.
	gorace := "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")
	p := lisotest.Start(t, []string{"LISO_HOME=" + home, "LISO_CA_DIR=", gorace},
		"--foreground", "--bind", "127.0.0.1", "--proxy-from", proxyAddr+"/32", "--log-file", logFile, "0", "0")
	m := listenLine.FindStringSubmatch(p.LineContaining(t, "HTTPS listening on"))
	if m == nil {
		t.Fatalf("lisod %s named no addresses; stderr:\n%s", name, p.Stderr())
	}
	return &proxied{Proc: p, name: name, http: "127.0.0.1:" + m[1], https: "127.0.0.1:" + m[2], httpPort: m[1], logFile: logFile}
}

// haproxyConfig is examples/haproxy/haproxy.cfg on loopback: the
// frontends bound to the descriptors the test hands HAProxy (3 and 4,
// listeners the test opened, so no other program can take their ports in
// between), the servers at the two lisods, and a check every 100 ms
// instead of every 2 s; and a statistics socket at stats, for the test's
// figures. Everything else is the example's, as it is.
func haproxyConfig(t *testing.T, a, b *proxied, stats string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "haproxy", "haproxy.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(data)
	for _, r := range []struct {
		old, new string
		times    int
	}{
		{"bind :80\n", "bind fd@3\n", 1},
		{"bind :443\n", "bind fd@4\n", 1},
		{"10.0.0.11:80\n", a.http + "\n", 1},
		{"10.0.0.12:80\n", b.http + "\n", 1},
		{"10.0.0.11:443 port 80\n", a.https + " port " + a.httpPort + "\n", 1},
		{"10.0.0.12:443 port 80\n", b.https + " port " + b.httpPort + "\n", 1},
		{" inter 2s ", " inter 100ms ", 2},
		{"\nglobal\n", "\nglobal\n    stats socket " + stats + " mode 600 level user\n", 1},
	} {
		if n := strings.Count(cfg, r.old); n != r.times {
			t.Fatalf("examples/haproxy/haproxy.cfg has %q %d times; this test expects %d: change the test with the example", r.old, n, r.times)
		}
		cfg = strings.ReplaceAll(cfg, r.old, r.new)
	}
	return cfg
}

// startHAProxy runs HAProxy in the foreground (-db) with cfg, handing it
// the two frontend listeners, and stops it when the test ends.
func startHAProxy(t *testing.T, cfg string, frontends ...*net.TCPListener) *lisotest.SyncBuffer {
	t.Helper()
	bin := lisotest.NeedCommand(t, "haproxy", "haproxy")
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", path)
	for _, l := range frontends {
		f, err := l.File()
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close() // HAProxy has its copy once it started
		cmd.ExtraFiles = append(cmd.ExtraFiles, f)
	}
	out, _ := startBalancer(t, cmd, syscall.SIGTERM)
	return out
}

// startBalancer starts a load balancer's command, its output gathered in
// out, and stops it with stop when the test ends (killing it if it is
// not gone within hangGuard). exited is closed once it has exited.
func startBalancer(t *testing.T, cmd *exec.Cmd, stop os.Signal) (out *lisotest.SyncBuffer, exited <-chan struct{}) {
	t.Helper()
	out = new(lisotest.SyncBuffer)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(stop)
		select {
		case <-done:
		case <-time.After(hangGuard):
			cmd.Process.Kill()
			<-done
		}
	})
	return out, done
}

// clientTransport connects from clientAddr and keeps its connections
// alive, as a browser does.
func clientTransport(tlsConf *tls.Config) *http.Transport {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(clientAddr)}, Timeout: hangGuard}
	return &http.Transport{DialContext: d.DialContext, TLSClientConfig: tlsConf, MaxIdleConnsPerHost: 1, DisableCompression: true}
}

// TestHAProxyTwoLisods puts HAProxy in front of two lisods and sends a
// bounded load from a few keep-alive clients. A third of the way in, one
// lisod gets SIGTERM, as systemctl stop or a deployment sends it. The
// test checks that no request fails (HAProxy sends again what met a
// stopping lisod, and lisod answers what it has read before it exits),
// that both lisods served, and that their access logs and CGI name the
// client, not HAProxy, over HTTP and over HTTPS relayed as TCP.
func TestHAProxyTwoLisods(t *testing.T) {
	lisotest.NeedCommand(t, "haproxy", "haproxy")
	home := t.TempDir()
	a := startProxied(t, "a", home) // issues the certificate...
	b := startProxied(t, "b", home) // ...which b then finds
	var fronts []*net.TCPListener
	for range 2 {
		l, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.ParseIP("127.0.0.1")})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		fronts = append(fronts, l)
	}
	httpFront, httpsFront := fronts[0].Addr().String(), fronts[1].Addr().String()
	stats := filepath.Join(t.TempDir(), "haproxy.sock")
	haproxyOut := startHAProxy(t, haproxyConfig(t, a, b, stats), fronts...)

	want := waitForHAProxy(t, httpFront, haproxyOut)

	const clients, total = 8, 3000
	stopAt := int64(total / 3)
	var next atomic.Int64
	var mu sync.Mutex
	var failures []string     // guarded by mu
	var signalErr error       // guarded by mu
	var slowest time.Duration // guarded by mu
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: hangGuard, Transport: clientTransport(nil)}
			defer client.CloseIdleConnections()
			for n := next.Add(1); n <= total; n = next.Add(1) {
				if n == stopAt {
					if err := a.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
						mu.Lock()
						signalErr = err
						mu.Unlock()
					}
				}
				began := time.Now()
				problem := get(client, "http://"+httpFront+"/", want)
				took := time.Since(began)
				mu.Lock()
				if problem != "" {
					failures = append(failures, fmt.Sprintf("request %d: %s", n, problem))
				}
				slowest = max(slowest, took)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	retried, redispatched := backendStats(t, stats, "lisods")
	if signalErr != nil {
		t.Fatalf("SIGTERM to lisod a: %v", signalErr)
	}
	if code := a.Wait(t, hangGuard); code != 0 {
		t.Errorf("lisod a exited %d after SIGTERM; want 0 (a graceful stop)", code)
	}

	// Now lisod b serves alone. The client's address and port reach CGI,
	// over HTTP and over HTTPS.
	checkCGIClient(t, "http", httpFront, nil)
	checkCGIClient(t, "https", httpsFront, &tls.Config{RootCAs: caPool(t, home), ServerName: "localhost"})

	b.Signal(t, syscall.SIGTERM)
	if code := b.Wait(t, hangGuard); code != 0 {
		t.Errorf("lisod b exited %d after SIGTERM; want 0", code)
	}
	for _, p := range []*proxied{a, b} {
		checkProxiedLog(t, p, true)
	}
	t.Logf("%d requests from %d keep-alive clients in %v (the slowest took %v); lisod a served %d (SIGTERM as request %d began), lisod b %d; HAProxy retried %d and redispatched %d; %d failed",
		total, clients, took.Round(time.Millisecond), slowest.Round(time.Millisecond), a.requests, stopAt, b.requests, retried, redispatched, len(failures))
	if retried+redispatched == 0 {
		t.Errorf("HAProxy retried no request: no request met the stopping lisod, so the test proved nothing about a stop under load")
	}
	if len(failures) > 0 {
		t.Errorf("%d of %d requests failed; the first:\n%s\nHAProxy said:\n%s", len(failures), total, strings.Join(failures[:min(len(failures), 10)], "\n"), haproxyOut)
	}
	if a.requests == 0 || b.requests == 0 {
		t.Errorf("lisod a served %d requests, lisod b %d; want both to have served", a.requests, b.requests)
	}
	if served := a.requests + b.requests; served != total {
		t.Errorf("the lisods served %d requests of the load; want %d, each once (a retry must never repeat a request that was served)", served, total)
	}
}

// waitForHAProxy waits until HAProxy answers through its HTTP frontend
// (asking for /?ready, which the logs tell from the load's requests),
// and returns the page it answered with, which every request of the load
// must get.
func waitForHAProxy(t *testing.T, front string, out *lisotest.SyncBuffer) string {
	t.Helper()
	client := &http.Client{Timeout: hangGuard, Transport: clientTransport(nil)}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(hangGuard)
	for {
		resp, err := client.Get("http://" + front + "/?ready")
		if err == nil {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == 200 {
				return string(body)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy did not answer through %s: %v; it said:\n%s", front, err, out)
		}
		time.Sleep(10 * time.Millisecond) // polling an observable condition (HAProxy answers), bounded above
	}
}

// get fetches url and says what was wrong with the answer, if anything.
func get(client *http.Client, url, want string) string {
	resp, err := client.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return fmt.Sprintf("%d, then reading the body: %v", resp.StatusCode, err)
	case resp.StatusCode != 200 || string(body) != want:
		return fmt.Sprintf("%s with %d bytes; want 200 and the %d bytes of the page", resp.Status, len(body), len(want))
	}
	return ""
}

// backendStats asks HAProxy's statistics socket (its "show stat" CSV)
// how many requests to backend it retried (wretr) and redispatched to
// another server (wredis).
func backendStats(t *testing.T, socket, backend string) (retried, redispatched int) {
	t.Helper()
	c, err := net.DialTimeout("unix", socket, hangGuard)
	if err != nil {
		t.Fatalf("HAProxy's statistics socket: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(hangGuard))
	io.WriteString(c, "show stat\n")
	rows, err := csv.NewReader(c).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("show stat: %v (%d rows)", err, len(rows))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[strings.TrimPrefix(name, "# ")] = i
	}
	for _, r := range rows[1:] {
		if r[col["pxname"]] == backend && r[col["svname"]] == "BACKEND" {
			retried, _ = strconv.Atoi(r[col["wretr"]])
			redispatched, _ = strconv.Atoi(r[col["wredis"]])
			return retried, redispatched
		}
	}
	t.Fatalf("show stat has no row for backend %s", backend)
	return 0, 0
}

// caPool trusts the CA in home, which issued both lisods' certificate.
func caPool(t *testing.T, home string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(filepath.Join(home, "ca", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return pool
}

// checkCGIClient asks the demo CGI script, through a balancer's front at
// addr, for its environment, on a connection of the test's own from
// clientAddr, and checks that REMOTE_ADDR and REMOTE_PORT are that
// connection's own end.
func checkCGIClient(t *testing.T, scheme, addr string, tlsConf *tls.Config) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(clientAddr)}, Timeout: hangGuard}
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(hangGuard))
	c := raw
	if tlsConf != nil {
		c = tls.Client(raw, tlsConf)
	}
	if _, err := io.WriteString(c, "GET /cgi/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatalf("%s: %v", scheme, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s through the balancer: %v", scheme, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	port := strconv.Itoa(raw.LocalAddr().(*net.TCPAddr).Port)
	for _, want := range []string{"REMOTE_ADDR=" + clientAddr + "\n", "REMOTE_PORT=" + port + "\n"} {
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s through the balancer from %s: %s; want 200 and the script's environment with %q:\n%s", scheme, raw.LocalAddr(), resp.Status, want, body)
		}
	}
}

// checkProxiedLog reads a stopped lisod's log: every request of the load
// and the CGI checks names the client's address, the health checks
// (HAProxy's own connections, LOCAL in their PROXY header) name HAProxy's,
// and nothing else was answered. It counts the load's requests. A
// balancer that checks lisod's health must have left checks in the log.
func checkProxiedLog(t *testing.T, p *proxied, healthChecks bool) {
	t.Helper()
	data, err := os.ReadFile(p.logFile)
	if err != nil {
		t.Fatal(err)
	}
	var checks int
	for line := range strings.Lines(string(data)) {
		switch {
		case strings.Contains(line, "level="):
			// an event, not a request
		case strings.Contains(line, `"GET / HTTP/1.1" 200 `):
			if !strings.HasPrefix(line, clientAddr+" - - [") {
				t.Errorf("lisod %s logged a request of the load as not from the client (%s):\n%s", p.name, clientAddr, line)
			}
			p.requests++
		case strings.Contains(line, `"HEAD / HTTP/1.0" 200 `):
			if !strings.HasPrefix(line, proxyAddr+" - - [") {
				t.Errorf("lisod %s logged a health check as not from HAProxy (%s):\n%s", p.name, proxyAddr, line)
			}
			checks++
		case strings.Contains(line, `"GET /?ready HTTP/1.1" 200 `):
			// waitForHAProxy's
		case strings.Contains(line, `"GET /cgi/ HTTP/1.1" 200 `):
			if !strings.HasPrefix(line, clientAddr+" - - [") {
				t.Errorf("lisod %s logged the CGI request as not from the client (%s):\n%s", p.name, clientAddr, line)
			}
		default:
			t.Errorf("lisod %s answered something that is neither the load, a health check nor the CGI checks:\n%s", p.name, line)
		}
	}
	if healthChecks && checks == 0 {
		t.Errorf("lisod %s logged no health check from HAProxy:\n%s", p.name, data)
	}
}
