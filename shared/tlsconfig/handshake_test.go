package tlsconfig_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"liso/shared/certs"
	"liso/shared/tlsconfig"
)

// explainingServer serves TLS on 127.0.0.1 the way lisod does, through
// WatchAlerts, and sends the explanation of each failed handshake.
func explainingServer(t *testing.T) (addr string, failures <-chan string) {
	t.Helper()
	p := newPKI(t)
	certFile, keyFile, _ := p.issue(t, "server", certs.ECDSAP256)
	cert, err := tlsconfig.Load(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := tls.NewListener(tlsconfig.WatchAlerts(tcp), tlsconfig.Config(cert))
	t.Cleanup(func() { l.Close() })
	out := make(chan string, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			tc := c.(*tls.Conn)
			ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
			if err := tc.HandshakeContext(ctx); err != nil {
				out <- tlsconfig.HandshakeError(tc, err).Error()
			}
			cancel()
			tc.Close()
		}
	}()
	return tcp.Addr().String(), out
}

// openSSLStyle is a Go TLS client's connection made to behave as curl's
// and openssl s_client's do when they reject a certificate: their alert
// goes out as a plaintext record, not encrypted with the handshake keys.
// It replaces every encrypted record (type 23, application_data, the
// outer type of all TLS 1.3 encrypted records) with a plaintext
// unknown_ca alert, written in pieces of at most piece bytes.
type openSSLStyle struct {
	net.Conn
	piece int
}

func (c *openSSLStyle) Write(p []byte) (int, error) {
	for rest := p; len(rest) >= 5; {
		n := 5 + (int(rest[3])<<8 | int(rest[4]))
		if n > len(rest) {
			return 0, errors.New("openSSLStyle: a record split across writes")
		}
		record := rest[:n]
		if record[0] == 23 {
			record = []byte{21, 3, 3, 0, 2, 2, 48} // alert record: fatal, unknown_ca
		}
		for len(record) > 0 {
			k := min(c.piece, len(record))
			if _, err := c.Conn.Write(record[:k]); err != nil {
				return 0, err
			}
			record = record[k:]
		}
		rest = rest[n:]
	}
	return len(p), nil
}

// dialNoTrust runs a handshake that trusts no CA of the test's: the
// client rejects the certificate.
func dialNoTrust(conn func(net.Conn) net.Conn, maxVersion uint16) func(t *testing.T, addr string) {
	return func(t *testing.T, addr string) {
		raw, err := net.DialTimeout("tcp", addr, hangGuard)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(hangGuard))
		c := tls.Client(conn(raw), &tls.Config{ServerName: "localhost", MaxVersion: maxVersion, RootCAs: newPKI(t).roots})
		if err := c.Handshake(); err == nil {
			t.Error("the client trusted a certificate from a CA it was not given")
		}
	}
}

func asIs(c net.Conn) net.Conn { return c }

// handshakeFailureTests: real clients that fail the handshake, and what
// the server's log says of each.
var handshakeFailureTests = []struct {
	name string
	dial func(t *testing.T, addr string)
	want string
}{
	{
		"Go client, TLS 1.3, encrypted alert",
		dialNoTrust(asIs, 0),
		`the client rejected the certificate (alert "bad certificate": it could not verify it; most often it does not trust the CA that issued it): remote error: tls: bad certificate`,
	},
	{
		"Go client, TLS 1.2, alert before any encryption",
		dialNoTrust(asIs, tls.VersionTLS12),
		`the client rejected the certificate (alert "bad certificate": it could not verify it; most often it does not trust the CA that issued it): remote error: tls: bad certificate`,
	},
	{
		"OpenSSL-style client, plaintext alert in one write",
		dialNoTrust(func(c net.Conn) net.Conn { return &openSSLStyle{c, 1 << 16} }, 0),
		`the client rejected the certificate (alert "unknown certificate authority", sent unencrypted: it does not trust the CA that issued it); crypto/tls reports local error: tls: bad record MAC`,
	},
	{
		"OpenSSL-style client, plaintext alert a byte at a time",
		dialNoTrust(func(c net.Conn) net.Conn { return &openSSLStyle{c, 1} }, 0),
		`the client rejected the certificate (alert "unknown certificate authority", sent unencrypted: it does not trust the CA that issued it); crypto/tls reports local error: tls: bad record MAC`,
	},
	{
		"plain HTTP on the TLS port: the error as it is",
		func(t *testing.T, addr string) {
			c, err := net.DialTimeout("tcp", addr, hangGuard)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(hangGuard))
			fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
			io.Copy(io.Discard, c)
		},
		"tls: first record does not look like a TLS handshake",
	},
}

func TestHandshakeError(t *testing.T) {
	addr, failures := explainingServer(t)
	for _, tt := range handshakeFailureTests {
		tt.dial(t, addr)
		select {
		case got := <-failures:
			if got != tt.want {
				t.Errorf("%s: server explained\n\t%s\nwant\n\t%s", tt.name, got, tt.want)
			}
		case <-time.After(hangGuard):
			t.Fatalf("%s: the server saw no failed handshake", tt.name)
		}
	}
}

// TestHandshakeErrorCurl is the case that made the explanation necessary:
// curl without --cacert, which crypto/tls alone logs as "bad record MAC".
func TestHandshakeErrorCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl is not installed (apt-get install curl)")
		}
		t.Skip("curl is not installed (apt-get install curl)")
	}
	addr, failures := explainingServer(t)
	_, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	out, err := exec.CommandContext(ctx, curl, "-sS", "--tlsv1.3", "--resolve", "localhost:"+port+":127.0.0.1", "https://localhost:"+port+"/").CombinedOutput()
	if err == nil {
		t.Fatalf("curl trusted a certificate from a CA it was not given:\n%s", out)
	}
	select {
	case got := <-failures:
		if !strings.HasPrefix(got, "the client rejected the certificate (alert ") {
			t.Errorf("curl's rejection explained as %q; want it to say the client rejected the certificate", got)
		}
	case <-time.After(hangGuard):
		t.Fatal("the server saw no failed handshake")
	}
}
