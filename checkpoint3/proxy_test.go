package main

// --proxy-from: lisod behind a load balancer that sends the PROXY
// protocol. Each test connection plays the balancer (from 127.0.0.1,
// which lisod trusts) or somebody else (127.0.0.2), over a real socket,
// with headers written by hand from the spec (proxyproto's tests check
// the parser itself; HAProxy's test, a real balancer).

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Version 2 headers, byte by byte (proxy-protocol.txt, section 2.2): the
// signature, 0x21 (version 2, PROXY) or 0x20 (LOCAL), the family and
// transport, the length, then the addresses and ports.
const (
	v2Signature = "\r\n\r\n\x00\r\nQUIT\n"
	// [2001:db8::7]:40000 to [2001:db8::1]:80, over TCP.
	v2TCP6 = v2Signature + "\x21\x21\x00\x24" +
		"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07" +
		"\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01" +
		"\x9c\x40\x00\x50"
	// The balancer's own connection, a health check.
	v2Local = v2Signature + "\x20\x00\x00\x00"
	v1TCP4  = "PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\r\n"
)

// proxyTest is one connection to a lisod started with --proxy-from
// 127.0.0.1/32: from where, to which port, the bytes sent before the
// request, and what must come of it. A wantAddr of "self" is the test
// connection's own address and port.
type proxyTest struct {
	name      string
	from      string // proxyAddr or clientAddr
	https     bool
	header    string // sent first, in the clear
	garbage   bool   // after the header, bytes that are not TLS (https only)
	wantCode  int    // 0: the connection must fail (no answer)
	wantAddr  string // REMOTE_ADDR:REMOTE_PORT and the access log's client
	wantError string // an error-log line that must name the connection: its msg
}

var proxyTests = []proxyTest{
	{name: "version 1", from: proxyAddr, header: v1TCP4, wantCode: 200, wantAddr: "203.0.113.7:51234"},
	{name: "version 2, IPv6", from: proxyAddr, header: v2TCP6, wantCode: 200, wantAddr: "[2001:db8::7]:40000"},
	{name: "version 2 LOCAL: the balancer itself", from: proxyAddr, header: v2Local, wantCode: 200, wantAddr: "self"},
	{name: "version 1 UNKNOWN: the balancer itself", from: proxyAddr, header: "PROXY UNKNOWN\r\n", wantCode: 200, wantAddr: "self"},
	{name: "trusted, no header", from: proxyAddr, wantCode: 400, wantAddr: "self", wantError: `msg="bad PROXY header"`},
	{name: "trusted, malformed header", from: proxyAddr, header: "PROXY TCP4 203.0.113.7 192.0.2.10 51234\r\n", wantCode: 400, wantAddr: "self", wantError: `msg="bad PROXY header"`},
	{name: "untrusted, version 1 header", from: clientAddr, header: v1TCP4, wantCode: 400, wantAddr: "self"},
	{name: "untrusted, version 2 header", from: clientAddr, header: v2TCP6, wantCode: 400, wantAddr: "self"},
	{name: "untrusted, plain request", from: clientAddr, wantCode: 200, wantAddr: "self"},
	{name: "HTTPS, version 1", https: true, from: proxyAddr, header: v1TCP4, wantCode: 200, wantAddr: "203.0.113.7:51234"},
	{name: "HTTPS, version 2 LOCAL", https: true, from: proxyAddr, header: v2Local, wantCode: 200, wantAddr: "self"},
	{name: "HTTPS, untrusted, plain", https: true, from: clientAddr, wantCode: 200, wantAddr: "self"},
	{name: "HTTPS, trusted, no header", https: true, from: proxyAddr, wantAddr: "self", wantError: `msg="TLS handshake failed"`},
	{name: "HTTPS, a failed handshake names the client", https: true, from: proxyAddr, header: v2TCP6, garbage: true,
		wantAddr: "[2001:db8::7]:40000", wantError: `msg="TLS handshake failed"`},
}

// TestProxyFrom sends each connection to one lisod, and checks the
// answer, the client CGI's REMOTE_ADDR and REMOTE_PORT name, and the
// lisod's log: the access log line of the request (found by its target,
// unique to the test) and the error log lines that name "remote".
func TestProxyFrom(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "lisod.log")
	f := startForeground(t, "--proxy-from", proxyAddr+"/32", "--log-file", logFile, "0", "0")
	for i, tt := range proxyTests {
		t.Run(tt.name, func(t *testing.T) {
			addr := f.http
			if tt.https {
				addr = f.https
			}
			c := dialFrom(t, tt.from, addr)
			want := tt.wantAddr
			if want == "self" {
				want = c.LocalAddr().String()
			}
			target := "/cgi/?case=" + strconv.Itoa(i)
			code, env, err := proxiedGet(c, tt, f, target)
			switch {
			case tt.wantCode == 0 && err == nil:
				t.Fatalf("answered %d; want the connection to fail", code)
			case tt.wantCode == 0:
			case err != nil:
				t.Fatalf("GET %s: %v; want %d", target, err, tt.wantCode)
			case code != tt.wantCode:
				t.Fatalf("GET %s = %d; want %d", target, code, tt.wantCode)
			case code == 200:
				if got := env["REMOTE_ADDR"] + ":" + env["REMOTE_PORT"]; got != hostPortForCGI(want) {
					t.Errorf("CGI's REMOTE_ADDR:REMOTE_PORT = %s; want %s", got, hostPortForCGI(want))
				}
				host, _, _ := net.SplitHostPort(want)
				scheme := map[bool]string{false: "http", true: "https"}[tt.https]
				line := waitLogLine(t, logFile, `"GET `+target+` HTTP/1.1" 200 `)
				if !strings.HasPrefix(line, host+" - - [") || !strings.HasSuffix(line, " "+scheme+"\n") {
					t.Errorf("access log line %q; want it to start with the client, %s, and end with %s", line, host, scheme)
				}
			}
			if tt.wantError != "" {
				line := waitLogLine(t, logFile, "remote="+want+" ")
				if !strings.Contains(line, tt.wantError) {
					t.Errorf("the log line naming remote=%s is %q; want %s", want, line, tt.wantError)
				}
			}
		})
	}
}

// hostPortForCGI writes an address as REMOTE_ADDR and REMOTE_PORT do,
// without IPv6's brackets.
func hostPortForCGI(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	return host + ":" + port
}

// dialFrom connects to addr from the loopback address from.
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: hangGuard}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(hangGuard))
	t.Cleanup(func() { c.Close() })
	return c
}

// proxiedGet sends tt's header, then (over TLS for HTTPS) a request for
// target, and returns the status and, for a 200 from the demo CGI
// script, the environment it printed.
func proxiedGet(c net.Conn, tt proxyTest, f *foreground, target string) (int, map[string]string, error) {
	if _, err := io.WriteString(c, tt.header); err != nil {
		return 0, nil, err
	}
	if tt.garbage {
		io.WriteString(c, "this is not a TLS record\r\n\r\n")
	}
	if tt.https {
		tc := tls.Client(c, &tls.Config{RootCAs: f.roots, ServerName: "localhost"})
		if err := tc.Handshake(); err != nil {
			return 0, nil, err
		}
		c = tc
	}
	// A browser's request is larger than the header and often than one
	// look at the socket: a connection refused with bytes left unread
	// would be reset, and the reset could destroy the answer.
	req := "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + strings.Repeat("p", 2000) + "\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	env := map[string]string{}
	for line := range strings.Lines(string(body)) {
		if k, v, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "="); ok {
			env[k] = v
		}
	}
	return resp.StatusCode, env, nil
}

// waitLogLine waits, bounded, until the log file has a line containing
// substr (lisod writes its log in batches), and returns it.
func waitLogLine(t *testing.T, path, substr string) string {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for {
		data, _ := os.ReadFile(path)
		for line := range strings.Lines(string(data)) {
			if strings.Contains(line, substr) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log never had a line containing %q:\n%s", substr, data)
		}
		time.Sleep(5 * time.Millisecond) // polling an observable condition, bounded above
	}
}

// TestProxyHeaderTimeout: a trusted balancer's connection that brings no
// header, or only part of one, is closed after the header timeout,
// unanswered, as an idle client's is; a real client's header would have
// come at once.
func TestProxyHeaderTimeout(t *testing.T) {
	f := startForeground(t, "--proxy-from", proxyAddr+"/32", "--header-timeout", "200ms", "0", "0")
	for _, sent := range []string{"", "PROXY TCP4 203.0.113.7 19"} {
		c := dialFrom(t, proxyAddr, f.http)
		io.WriteString(c, sent)
		start := time.Now()
		got, err := io.ReadAll(c)
		if err != nil || len(got) > 0 {
			t.Errorf("after sending %q: read %q, %v; want the connection closed, unanswered", sent, got, err)
		}
		if took := time.Since(start); took < 150*time.Millisecond {
			t.Errorf("after sending %q: closed after %v; want the header timeout, 200ms", sent, took)
		}
	}
}

// TestProxyKeepAlive: the header comes once, at the start; every request
// after it on the connection is the same client's, also after the
// connection waited idle between two requests (parked in epoll, which
// sees the socket alone: the header must have left nothing buffered).
func TestProxyKeepAlive(t *testing.T) {
	f := startForeground(t, "--proxy-from", proxyAddr+"/32", "0", "0")
	c := dialFrom(t, proxyAddr, f.http)
	io.WriteString(c, v1TCP4)
	br := bufio.NewReader(c)
	for i := range 3 {
		io.WriteString(c, "GET /cgi/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), "REMOTE_ADDR=203.0.113.7\n") {
			t.Fatalf("request %d: %d, %v; want 200 for 203.0.113.7:\n%s", i+1, resp.StatusCode, err, body)
		}
	}
}

// TestProxyFromDaemon: the daemon, which its launcher starts with the
// same arguments and environment, reads the PROXY header too (the
// listeners are wrapped where they are served, after the hand-over), as
// the systemd unit's daemon with LISOD_PROXY_FROM set does.
func TestProxyFromDaemon(t *testing.T) {
	bin := buildLisod(t)
	dir, home := t.TempDir(), t.TempDir()
	httpPort, httpsPort := freePorts(t)
	lock := filepath.Join(dir, "lisod.lock")
	env := append(daemonEnv(home), "LISOD_PROXY_FROM="+proxyAddr+"/32")
	out, code, _ := launchEnv(t, bin, env, "--bind", "127.0.0.1", httpPort, httpsPort, filepath.Join(dir, "lisod.log"), lock)
	if code != 0 {
		t.Fatalf("launcher: exit %d; output:\n%s", code, out)
	}
	pid := readPID(t, lock)
	defer waitGone(t, pid)
	defer syscall.Kill(pid, syscall.SIGTERM)
	c := dialFrom(t, proxyAddr, "127.0.0.1:"+httpPort)
	code, env2, err := proxiedGet(c, proxyTest{header: v1TCP4}, nil, "/cgi/")
	if err != nil || code != 200 || env2["REMOTE_ADDR"] != "203.0.113.7" {
		t.Errorf("the daemon answered %d, %v with REMOTE_ADDR %q; want 200 for the header's client, 203.0.113.7", code, err, env2["REMOTE_ADDR"])
	}
}
