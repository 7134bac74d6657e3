package main

import (
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

// The HTTPS checks any course server must pass (the same answers as over
// HTTP, keep-alive and pipelining over TLS, the TLS table, clients that do
// not speak TLS, a certificate reload on SIGHUP) are lisocheck's, which
// TestLisocheck runs against lisod. These tests are of lisod's own: its
// log lines and its flags.

// TestHTTPSAccessLog: the access log tells HTTP from HTTPS.
func TestHTTPSAccessLog(t *testing.T) {
	f := startForeground(t)
	if resp, err := http.Get("http://" + f.http + "/style.css"); err == nil {
		resp.Body.Close()
	}
	f.WaitStderr(t, `"GET /style.css HTTP/1.1" 200 327 "-" "Go-http-client/1.1" http`+"\n")

	resp, err := f.client().Get("https://localhost:" + strings.Split(f.https, ":")[1] + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	index, err := os.Stat("../shared/demo/www/index.html")
	if err != nil {
		t.Fatal(err)
	}
	f.WaitStderr(t, fmt.Sprintf(`"GET / HTTP/1.1" 200 %d "-" "Go-http-client/1.1" https`+"\n", index.Size()))
}

// TestHandshakeTimeoutFlag: --handshake-timeout is the time a stalled
// handshake is given, not less (lisocheck's robust/tls/handshake-timeout
// checks only that it is not more).
func TestHandshakeTimeoutFlag(t *testing.T) {
	const timeout = 300 * time.Millisecond
	f := startForeground(t, "--handshake-timeout", timeout.String(), "0", "0")
	c, err := net.DialTimeout("tcp", f.https, hangGuard)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	c.SetDeadline(start.Add(hangGuard))
	io.Copy(io.Discard, c) // until lisod drops the connection
	if held := time.Since(start); held < timeout-100*time.Millisecond || held > timeout+2*time.Second {
		t.Errorf("a client that sent nothing was cut after %v; want about --handshake-timeout, %v", held.Round(time.Millisecond), timeout)
	}
}

// TestCertificateReloadLogged: lisod's log says that SIGHUP loaded a new
// development pair; a broken pair is refused, saying so, and the working
// one stays.
func TestCertificateReloadLogged(t *testing.T) {
	f := startForeground(t)
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

	os.WriteFile(certs.ServerCertPath(f.home), []byte("broken"), 0o644)
	f.Signal(t, syscall.SIGHUP)
	f.WaitStderr(t, "certificate not reloaded")
	c, err := f.dialTLS(t, nil)
	if err != nil {
		t.Fatalf("after a bad reload: %v", err)
	}
	c.Close()
	if got := c.ConnectionState().PeerCertificates[0].SerialNumber; got.Cmp(pair.Cert.SerialNumber) != 0 {
		t.Errorf("after a bad reload the server presents serial %v; want the working %v", got, pair.Cert.SerialNumber)
	}
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
