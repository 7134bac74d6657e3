package suite

// This file holds checkpoint 3's HTTPS checks: the second port speaks TLS
// with the certificate it was given and serves what the HTTP port
// serves; clients that do not speak TLS to it hurt nobody; SIGHUP loads
// a new certificate. The TLS table (versions and suites) is in
// checks_https_tls.go, the robustness checks of the handshake in
// checks_https_robust.go.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-cmp/cmp"
)

// httpsChecks are the checks of the HTTPS port, in the order they run
// within their stage, the TLS table's and the robustness ones included.
var httpsChecks = slices.Concat(httpsStageChecks, tlsOfferChecks(), tlsRobustChecks)

var httpsStageChecks = []Check{
	{
		Name:  "https/same-as-http",
		Stage: StageHTTPS,
		Rule:  "course: a second socket on the HTTPS port, served by the same HTTP code; the graders connect to https://localhost:PORT and verify the certificate against the course's CA",
		Doc:   "docs/checkpoint3.md#what-it-adds-and-why",
		Run:   checkSameAsHTTP,
	},
	{
		Name:  "https/ip-address",
		Stage: StageHTTPS,
		Rule:  "course: the certificate is valid for localhost and 127.0.0.1; the server presents the one it was given to a client that connects by address",
		Doc:   "docs/checkpoint3.md#certificates",
		Run: func(c *C) {
			cfg := c.TLSConfig()
			cfg.ServerName = "127.0.0.1" // verified against the certificate's IP addresses
			client := pinnedClient(c.TLSAddr, cfg)
			defer client.CloseIdleConnections()
			resp, body, err := fetch(client, "GET", "https://127.0.0.1:"+port(c.TLSAddr)+"/index.html", "")
			sent := "GET https://127.0.0.1:" + port(c.TLSAddr) + "/index.html, trusting only lisocheck's CA"
			switch {
			case err != nil:
				c.Fail(Failure{Sent: sent, Got: err.Error(), Want: "200 over TLS, the certificate verified for 127.0.0.1"})
			case resp.StatusCode != 200 || body != IndexBody:
				c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("%d %s", resp.StatusCode, Shorten(body, 200)), Want: "200 with the site's index.html"})
			}
		},
	},
	{
		Name:  "https/keep-alive",
		Stage: StageHTTPS,
		Rule:  "course: HTTP/1.1 is persistent by default, over TLS as over TCP (RFC 9112 9.3)",
		Doc:   "docs/checkpoint3.md#what-it-adds-and-why",
		Run: func(c *C) {
			conn := dialTLS(c, c.Target, nil)
			defer conn.Close()
			br := bufio.NewReader(conn)
			for i, path := range []string{"/index.html", "/second.txt", "/sub/page.html"} {
				askOn(c, conn, br, path, i == 2, fmt.Sprintf("request %d on one TLS connection", i+1))
			}
		},
	},
	{
		Name:  "https/pipelining",
		Stage: StageHTTPS,
		Rule:  "course: pipelined requests are answered in order on one connection, over TLS as over TCP (RFC 9112 9.3.2)",
		Doc:   "docs/checkpoint3.md#what-it-adds-and-why",
		Run: func(c *C) {
			conn := dialTLS(c, c.Target, nil)
			defer conn.Close()
			raw := CRLF("GET /style.css HTTP/1.1\nHost: localhost\n\nHEAD /index.html HTTP/1.1\nHost: localhost\n\nGET /nope HTTP/1.1\nHost: localhost\nConnection: close\n\n")
			if _, err := io.WriteString(conn, raw); err != nil {
				c.Fatal(Failure{Sent: raw, Got: err.Error(), Want: "three answers"})
			}
			br := bufio.NewReader(conn)
			for i, want := range []struct {
				method string
				status int
				body   string
			}{{"GET", 200, string(c.Site.Files["/style.css"])}, {"HEAD", 200, ""}, {"GET", 404, ""}} {
				r, err := ReadReply(br, want.method)
				switch {
				case err != nil:
					c.Fatal(Failure{Sent: raw, Got: fmt.Sprintf("answer %d: %v", i+1, err), Want: "answers 200, 200 (HEAD), 404, in order"})
				case r.Status != want.status || want.status == 200 && string(r.Body) != want.body:
					c.Fail(Failure{Sent: raw, Got: fmt.Sprintf("answer %d:\n%s", i+1, r.Head()), Want: "answers 200 (/style.css), 200 (HEAD, no body), 404, in order"})
				}
			}
		},
	},
	{
		Name:  "https/not-tls-on-the-tls-port",
		Stage: StageHTTPS,
		Rule:  "course: a client that misbehaves must not hurt the others; bytes that are not TLS end their connection (RFC 8446 5.1), without an HTTP answer in the clear",
		Doc:   "docs/checkpoint3.md#try-it-by-hand",
		Run:   checkNotTLS,
	},
	{
		Name:  "https/certificate-reload",
		Stage: StageHTTPS,
		Rule:  "course (F19): SIGHUP makes the server load its certificate and key again; connections already open keep working",
		Doc:   "docs/checkpoint3.md#certificates",
		Run:   checkReload,
	},
}

// httpsRequests are answered over HTTPS as over HTTP.
var httpsRequests = []struct {
	method, path, body string
	status             int
}{
	{"GET", "/", "", 200},
	{"GET", "/index.html", "", 200},
	{"HEAD", "/style.css", "", 200},
	{"POST", "/index.html", "note=hi", 200}, // the course's graders POST to a static page
	{"GET", "/missing", "", 404},
	{"GET", BigPath, "", 200},
}

// answer is what checkSameAsHTTP compares of a response.
type answer struct {
	Status                     int
	ContentType, ContentLength string
	Body                       string // its start and digest, for a 2xx
}

// checkSameAsHTTP asks both ports for the same things with Go's net/http
// client, and compares the answers.
func checkSameAsHTTP(c *C) {
	plain := pinnedClient(c.Addr, nil)
	secure := pinnedClient(c.TLSAddr, c.TLSConfig())
	defer plain.CloseIdleConnections()
	defer secure.CloseIdleConnections()
	for _, rq := range httpsRequests {
		sent := fmt.Sprintf("%s https://localhost:%s%s (Go's net/http client, trusting only lisocheck's CA)", rq.method, port(c.TLSAddr), rq.path)
		resp, body, err := fetch(secure, rq.method, "https://localhost:"+port(c.TLSAddr)+rq.path, rq.body)
		if err != nil {
			c.Fail(Failure{Sent: sent, Got: err.Error(), Want: fmt.Sprintf("%d over TLS, the certificate verified for localhost", rq.status)})
			continue
		}
		if resp.TLS == nil || resp.StatusCode != rq.status {
			c.Fail(Failure{Sent: sent, Got: resp.Status, Want: fmt.Sprintf("%d over TLS", rq.status)})
			continue
		}
		presp, pbody, err := fetch(plain, rq.method, "http://localhost:"+port(c.Addr)+rq.path, rq.body)
		if err != nil {
			c.Fail(Failure{Sent: "the same over HTTP", Got: err.Error(), Want: "the same answer as over HTTPS"})
			continue
		}
		if diff := cmp.Diff(answerOf(presp, pbody), answerOf(resp, body)); diff != "" {
			c.Fail(Failure{Sent: sent, Got: "an answer that differs from the HTTP port's", Want: "the same answer over HTTP and HTTPS", Note: "(-HTTP +HTTPS):\n" + diff})
		}
	}
}

func answerOf(resp *http.Response, body string) answer {
	a := answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), ContentLength: resp.Header.Get("Content-Length")}
	if resp.StatusCode/100 == 2 {
		a.Body = fmt.Sprintf("%s (%d bytes, SHA-256 %.16x…)", Shorten(body, 60), len(body), sha256.Sum256([]byte(body)))
	}
	return a
}

// pinnedClient is Go's HTTP client with every connection to addr, whatever
// the URL's host: the URL names localhost, as the graders do, and the
// socket stays on 127.0.0.1. Redirects are not followed.
func pinnedClient(addr string, cfg *tls.Config) *http.Client {
	d := &net.Dialer{Timeout: HangGuard}
	return &http.Client{
		Timeout: HangGuard,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return d.DialContext(ctx, "tcp", addr)
			},
			TLSClientConfig:    cfg,
			DisableCompression: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// fetch makes one request with client and reads the whole answer.
func fetch(client *http.Client, method, url, body string) (*http.Response, string, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// port is the port of a host:port address.
func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// dialTLS opens a TLS connection to t's HTTPS port, or ends the check.
func dialTLS(c *C, t *Target, cfg *tls.Config) *tls.Conn {
	conn, err := t.DialTLS(cfg)
	if err != nil {
		c.Fatal(Failure{Sent: "a TLS handshake with " + t.TLSAddr + ", trusting only lisocheck's CA, for localhost", Got: err.Error(), Want: "a handshake that succeeds"})
	}
	return conn
}

// askOn sends a GET for one of the site's files on an open connection
// and checks that the answer is the file; last asks the server to close
// after it. It reports whether it passed.
func askOn(c *C, conn net.Conn, br *bufio.Reader, path string, last bool, when string) bool {
	raw := "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n"
	want := "200 with the bytes of " + path + ", the connection kept open"
	if last {
		raw = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
		want = "200 with the bytes of " + path
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		c.Fail(Failure{Sent: raw, Got: err.Error(), Want: want, Note: when})
		return false
	}
	r, err := ReadReply(br, "GET")
	switch {
	case err != nil:
		c.Fail(Failure{Sent: raw, Got: err.Error(), Want: want, Note: when})
		return false
	case r.Status != 200 || string(r.Body) != string(c.Site.Files[path]) || !last && r.Close:
		c.Fail(Failure{Sent: raw, Got: r.Head(), Want: want, Note: when})
		return false
	}
	return true
}

// getOverTLS asks for /second.txt on a connection just made, as the last
// request on it.
func getOverTLS(c *C, conn net.Conn, when string) bool {
	return askOn(c, conn, bufio.NewReader(conn), "/second.txt", true, when)
}

// notTLS are clients that do not speak TLS to the HTTPS port.
var notTLS = []struct {
	name, payload string
	// ends: the bytes are no TLS record, so the server ends the
	// connection at once; the others wait for the handshake timeout,
	// which robust/tls/handshake-timeout checks.
	ends bool
}{
	{"plain HTTP", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", true},
	{"garbage", "\x00\xff\x13garbage\r\n\r\n", true},
	{"a stalled handshake", "", false},
	{"half a ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", false},
}

// inTheClear matches an HTTP answer other than an error, sent without TLS.
var inTheClear = regexp.MustCompile(`HTTP/1\.[01] [23]\d\d`)

// checkNotTLS: plain HTTP, garbage and stalled handshakes on the HTTPS
// port, while a TLS client on a kept-alive connection, and new ones, are
// served before, during and after.
func checkNotTLS(c *C) {
	good := dialTLS(c, c.Target, nil)
	defer good.Close()
	br := bufio.NewReader(good)
	askOn(c, good, br, "/index.html", false, "a TLS client, before the others")

	bad := make([]net.Conn, 0, len(notTLS))
	defer func() {
		for _, b := range bad {
			b.Close()
		}
	}()
	for _, n := range notTLS {
		b, err := Dial(c.TLSAddr)
		if err != nil {
			c.Fatal(Failure{Sent: "a TCP connection to " + c.TLSAddr, Got: err.Error(), Want: "a connection"})
		}
		bad = append(bad, b)
		io.WriteString(b, n.payload)
	}
	askOn(c, good, br, "/second.txt", false, "the TLS client, while the others are connected")
	if fresh, err := c.DialTLS(nil); err != nil {
		c.Fail(Failure{Sent: "a new TLS handshake while the others are connected", Got: err.Error(), Want: "a handshake that succeeds"})
	} else {
		getOverTLS(c, fresh, "a new TLS client, while the others are connected")
		fresh.Close()
	}
	for i, n := range notTLS {
		if !n.ends {
			continue
		}
		got, err := io.ReadAll(bad[i]) // until the server drops it, or HangGuard
		switch {
		case inTheClear.Match(got):
			c.Fail(Failure{Sent: Shorten(n.payload, 200) + " (" + n.name + ", on the HTTPS port)", Got: Shorten(string(got), 300), Want: "no HTTP answer: the bytes are not TLS"})
		case err != nil && !Closed(err):
			c.Fail(Failure{Sent: Shorten(n.payload, 200) + " (" + n.name + ", on the HTTPS port)", Got: err.Error(), Want: "the connection ended by the server: the bytes are not TLS"})
		}
	}
	askOn(c, good, br, "/sub/page.html", true, "the TLS client, after the others")
}

// reloadLimit bounds the wait for a server to act on SIGHUP.
const reloadLimit = 10 * time.Second

// checkReload replaces the server's key and certificate with a pair from
// a CA of the check's own, sends SIGHUP, and waits for new handshakes to
// get it, while a connection opened before goes on; then it puts the
// first pair back the same way, so that later checks find the server as
// it was.
func checkReload(c *C) {
	if c.Server == nil {
		c.Skip("needs the server's process and files: give the server's command line instead of its address")
	}
	pid, err := c.Server.Pid()
	if err != nil {
		c.Fatal(Errorf("the server's pid: %v", err))
	}
	old := dialTLS(c, c.Target, nil)
	defer old.Close()
	first := old.ConnectionState().PeerCertificates[0].SerialNumber

	key, err1 := os.ReadFile(c.Server.Key)
	cert, err2 := os.ReadFile(c.Server.Cert)
	dir, err3 := os.MkdirTemp("", "lisocheck-reload-")
	if err := firstError(err1, err2, err3); err != nil {
		c.Fatal(Errorf("reading the server's key and certificate: %v", err))
	}
	defer os.RemoveAll(dir)
	pair, ca, err := issueFromNewCA(dir, "")
	if err != nil {
		c.Fatal(Errorf("%v", err))
	}
	// Handshakes trust both CAs meanwhile, so that each shows which pair
	// the server presents.
	both := c.TLSConfig()
	both.RootCAs = x509.NewCertPool()
	if c.Roots != nil {
		both.RootCAs = c.Roots.Clone()
	}
	both.RootCAs.AddCert(ca)

	sent := fmt.Sprintf("a new key and certificate (serial %v) written over %s and %s, then SIGHUP to pid %d", pair.Cert.SerialNumber, c.Server.Key, c.Server.Cert, pid)
	if err := pair.Write(c.Server.Key, c.Server.Cert, true); err != nil {
		c.Fatal(Errorf("writing the new pair: %v", err))
	}
	defer func() {
		// Put the first pair back, whatever happened.
		werr := firstError(os.WriteFile(c.Server.Key, key, 0o600), os.WriteFile(c.Server.Cert, cert, 0o644))
		if werr == nil {
			werr = syscall.Kill(pid, syscall.SIGHUP)
		}
		if werr == nil {
			werr = awaitSerial(c, both, first)
		}
		if werr != nil {
			c.Fail(Failure{Sent: "the first key and certificate written back, then SIGHUP", Got: werr.Error(), Want: "new handshakes get the first certificate again",
				Note: "the server may still present the check's certificate: later HTTPS checks can fail because of it"})
		}
	}()
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		c.Fatal(Errorf("SIGHUP to pid %d: %v", pid, err))
	}
	if err := awaitSerial(c, both, pair.Cert.SerialNumber); err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: fmt.Sprintf("new handshakes get the new certificate within %v", reloadLimit)})
	}
	askOn(c, old, bufio.NewReader(old), "/second.txt", true, "on the connection opened before SIGHUP")
}

// awaitSerial makes handshakes until the server presents the certificate
// with serial, or reloadLimit passes.
func awaitSerial(c *C, cfg *tls.Config, serial *big.Int) error {
	deadline := time.Now().Add(reloadLimit)
	var last string
	for {
		conn, err := c.DialTLS(cfg)
		if err == nil {
			got := conn.ConnectionState().PeerCertificates[0].SerialNumber
			conn.Close()
			if got.Cmp(serial) == 0 {
				return nil
			}
			last = "the certificate with serial " + got.String()
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v the server still presents %s", reloadLimit, last)
		}
		time.Sleep(20 * time.Millisecond) // polling an observable condition, bounded above
	}
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
