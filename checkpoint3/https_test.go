package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"liso/shared/certs"
	"liso/shared/lisotest"
)

const hangGuard = 20 * time.Second

// foreground is a lisod started with --foreground and its own LISO_HOME,
// so that its development CA and certificate live in a temporary folder.
type foreground struct {
	*lisotest.Proc
	home        string
	http, https string // 127.0.0.1:port
	roots       *x509.CertPool
}

var listenLine = regexp.MustCompile(`HTTP listening on \S+:(\d+), HTTPS listening on \S+:(\d+)`)

func startForeground(t *testing.T, args ...string) *foreground {
	t.Helper()
	home := t.TempDir()
	all := append([]string{"--foreground", "--bind", "127.0.0.1"}, args...)
	if len(args) == 0 {
		all = append(all, "0", "0")
	}
	p := lisotest.Start(t, []string{"LISO_HOME=" + home, "LISO_CA_DIR="}, all...)
	m := listenLine.FindStringSubmatch(p.LineContaining(t, "HTTPS listening on"))
	if m == nil {
		t.Fatalf("no addresses in lisod's output; stderr:\n%s", p.Stderr())
	}
	pem, err := os.ReadFile(filepath.Join(home, "ca", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return &foreground{Proc: p, home: home, http: "127.0.0.1:" + m[1], https: "127.0.0.1:" + m[2], roots: roots}
}

// client trusts only the CA lisod issued its certificate from.
func (f *foreground) client() *http.Client {
	return &http.Client{Timeout: hangGuard, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: f.roots},
	}}
}

func (f *foreground) dialTLS(t *testing.T, cfg *tls.Config) (*tls.Conn, error) {
	t.Helper()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg.RootCAs, cfg.ServerName = f.roots, "localhost"
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: hangGuard}, "tcp", f.https, cfg)
	if err == nil {
		c.SetDeadline(time.Now().Add(hangGuard))
	}
	return c, err
}

func TestHTTPSEndToEnd(t *testing.T) {
	f := startForeground(t)
	client := f.client()
	https := "https://localhost:" + strings.Split(f.https, ":")[1]

	for _, tt := range []struct {
		method, path string
		body         string
		status       int
		contains     string
	}{
		{"GET", "/", "", 200, "Liso in Go"},
		{"HEAD", "/style.css", "", 200, ""},
		{"POST", "/index.html", "note=hi", 200, "Liso in Go"},
		{"GET", "/missing", "", 404, "404 Not Found"},
	} {
		req, _ := http.NewRequest(tt.method, https+tt.path, strings.NewReader(tt.body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s over HTTPS: %v", tt.method, tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.contains) || resp.TLS == nil {
			t.Errorf("%s %s = %d %q; want %d containing %q", tt.method, tt.path, resp.StatusCode, body, tt.status, tt.contains)
		}
	}

	// Pipelining over TLS: three requests in one write, three answers.
	c, err := f.dialTLS(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET /style.css HTTP/1.1\r\nHost: localhost\r\n\r\nHEAD / HTTP/1.1\r\nHost: localhost\r\n\r\nGET /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	br := bufio.NewReader(c)
	for i, want := range []struct {
		method string
		status int
	}{{"GET", 200}, {"HEAD", 200}, {"GET", 404}} {
		resp, err := http.ReadResponse(br, &http.Request{Method: want.method})
		if err != nil {
			t.Fatalf("pipelined answer %d: %v", i+1, err)
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != want.status {
			t.Errorf("pipelined answer %d: %d; want %d", i+1, resp.StatusCode, want.status)
		}
	}

	// The access log tells HTTP from HTTPS.
	if resp, err := http.Get("http://" + f.http + "/style.css"); err == nil {
		resp.Body.Close()
	}
	f.WaitStderr(t, `"GET /style.css HTTP/1.1" 200 327 "-" "Go-http-client/1.1" http`+"\n")
	index, err := os.Stat("../shared/demo/www/index.html")
	if err != nil {
		t.Fatal(err)
	}
	f.WaitStderr(t, fmt.Sprintf(`"GET / HTTP/1.1" 200 %d "-" "Go-http-client/1.1" https`+"\n", index.Size()))
}

func TestTLSRefusals(t *testing.T) {
	f := startForeground(t)
	for name, cfg := range map[string]*tls.Config{
		"TLS 1.1":  {MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11},
		"CBC only": {MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}},
	} {
		if c, err := f.dialTLS(t, cfg); err == nil {
			c.Close()
			t.Errorf("%s handshake succeeded; want it refused", name)
		}
	}
}

// TestBadClientsOnTheTLSPort: plain HTTP, garbage and a stalled handshake
// on the HTTPS port fail alone, while a real TLS client is served.
func TestBadClientsOnTheTLSPort(t *testing.T) {
	f := startForeground(t, "--handshake-timeout", "300ms", "0", "0")
	good, err := f.dialTLS(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	br := bufio.NewReader(good)
	ask := func(when string) {
		fmt.Fprint(good, "GET /style.css HTTP/1.1\r\nHost: localhost\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("TLS client %s: %v %v", when, resp, err)
		}
		io.Copy(io.Discard, resp.Body)
	}
	ask("before the bad clients")

	for name, payload := range map[string]string{
		"plain HTTP":         "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"garbage":            "\x00\xff\x13garbage\r\n\r\n",
		"stalled handshake":  "",
		"half a ClientHello": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
	} {
		c, err := net.DialTimeout("tcp", f.https, hangGuard)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(hangGuard))
		io.WriteString(c, payload)
		got, _ := io.ReadAll(c) // ends when lisod drops the connection
		c.Close()
		if strings.Contains(string(got), "200 OK") {
			t.Errorf("%s on the TLS port got an HTTP answer: %q", name, got)
		}
		ask("after " + name)
	}
}

// TestCertificateReloadOnSIGHUP: a new pair in the same files is served
// to new connections after SIGHUP, while an open connection keeps working.
func TestCertificateReloadOnSIGHUP(t *testing.T) {
	f := startForeground(t)
	old, err := f.dialTLS(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	firstSerial := old.ConnectionState().PeerCertificates[0].SerialNumber

	ca, err := certs.LoadCA(filepath.Join(f.home, "ca"))
	if err != nil {
		t.Fatal(err)
	}
	pair, err := ca.Issue(certs.Request{Names: certs.DefaultNames()})
	if err != nil {
		t.Fatal(err)
	}
	if err := pair.Write(certs.ServerKeyPath(f.home), certs.ServerCertPath(f.home), true); err != nil {
		t.Fatal(err)
	}
	f.Signal(t, syscall.SIGHUP)
	f.WaitStderr(t, "certificate reloaded")

	c, err := f.dialTLS(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := c.ConnectionState().PeerCertificates[0].SerialNumber; got.Cmp(pair.Cert.SerialNumber) != 0 || got.Cmp(firstSerial) == 0 {
		t.Errorf("after SIGHUP the server presents serial %v; want the new %v", got, pair.Cert.SerialNumber)
	}
	fmt.Fprint(old, "GET /style.css HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(old), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the connection opened before SIGHUP: %v %v", resp, err)
	}

	// A broken pair is refused; the working one stays.
	os.WriteFile(certs.ServerCertPath(f.home), []byte("broken"), 0o644)
	f.Signal(t, syscall.SIGHUP)
	f.WaitStderr(t, "certificate not reloaded")
	c, err = f.dialTLS(t, nil)
	if err != nil {
		t.Fatalf("after a bad reload: %v", err)
	}
	c.Close()
}

// TestUntrustedClientIsLogged: a client that does not trust the
// development CA ends the handshake, and the log says that the client
// rejected the certificate, whether it sent its alert encrypted (Go's
// client) or in plaintext (OpenSSL's, which crypto/tls alone reports as
// "bad record MAC").
func TestUntrustedClientIsLogged(t *testing.T) {
	f := startForeground(t)
	_, port, _ := net.SplitHostPort(f.https)

	c, err := tls.DialWithDialer(&net.Dialer{Timeout: hangGuard}, "tcp", f.https, &tls.Config{ServerName: "localhost"})
	if err == nil {
		c.Close()
		t.Fatal("Go's client trusted the development certificate without its CA")
	}
	f.WaitStderr(t, "the client rejected the certificate (alert ")

	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl is not installed (apt-get install curl)")
		}
		t.Skip("curl is not installed (apt-get install curl)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	out, err := exec.CommandContext(ctx, curl, "-sS", "--resolve", "localhost:"+port+":127.0.0.1", "https://localhost:"+port+"/").CombinedOutput()
	if err == nil {
		t.Fatalf("curl trusted the development certificate without its CA:\n%s", out)
	}
	f.WaitStderr(t, "sent unencrypted")
	if strings.Contains(f.Stderr(), "err=\"local error: tls: bad record MAC\"") {
		t.Errorf("the log still blames the record layer:\n%s", f.Stderr())
	}
}
