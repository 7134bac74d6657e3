package tlsconfig_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liso/shared/certs"
	"liso/shared/tlsconfig"
)

const hangGuard = 20 * time.Second

// pki is a test CA and the files of pairs it issued.
type pki struct {
	ca    *certs.CA
	roots *x509.CertPool
	dir   string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	ca, err := certs.CreateCA(filepath.Join(dir, "ca"), certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	return &pki{ca: ca, roots: roots, dir: dir}
}

// issue writes a pair for localhost into name.crt and name.key.
func (p *pki) issue(t *testing.T, name string, kt certs.KeyType) (certFile, keyFile string, serial string) {
	t.Helper()
	pair, err := p.ca.Issue(certs.Request{Names: certs.DefaultNames(), KeyType: kt})
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(p.dir, name+".crt"), filepath.Join(p.dir, name+".key")
	if err := pair.Write(keyFile, certFile, true); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pair.Cert.SerialNumber.String()
}

// serveTLS accepts TLS connections and answers each line-less request by
// writing "hi" after reading one byte, until the test ends.
func serveTLS(t *testing.T, cert *tlsconfig.Certificate) string {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", tlsconfig.Config(cert))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(hangGuard))
				var b [1]byte
				for {
					if _, err := c.Read(b[:]); err != nil {
						return
					}
					c.Write([]byte("hi"))
				}
			}()
		}
	}()
	return l.Addr().String()
}

type handshakeTest struct {
	name    string
	client  *tls.Config // nil: Go's defaults
	ok      bool
	version uint16
}

var handshakeTests = []handshakeTest{
	{name: "TLS 1.3 by default", ok: true, version: tls.VersionTLS13},
	{name: "TLS 1.2 with ECDHE and AES-GCM", ok: true, version: tls.VersionTLS12,
		client: &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}},
	{name: "TLS 1.2 with ECDHE and ChaCha20", ok: true, version: tls.VersionTLS12,
		client: &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}}},
	{name: "TLS 1.1 is refused", client: &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}},
	{name: "TLS 1.0 is refused", client: &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10}},
	{name: "CBC-only TLS 1.2 client is refused",
		client: &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}}},
}

func handshake(addr string, cfg *tls.Config) (*tls.Conn, error) {
	d := &net.Dialer{Timeout: hangGuard}
	c, err := tls.DialWithDialer(d, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(hangGuard))
	return c, nil
}

func TestHandshakes(t *testing.T) {
	p := newPKI(t)
	certFile, keyFile, _ := p.issue(t, "server", certs.ECDSAP256)
	cert, err := tlsconfig.Load(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, cert)
	for _, tt := range handshakeTests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &tls.Config{}
			if tt.client != nil {
				cfg = tt.client.Clone()
			}
			cfg.RootCAs, cfg.ServerName = p.roots, "localhost"
			cfg.NextProtos = []string{"h2", "http/1.1"} // as a browser offers
			c, err := handshake(addr, cfg)
			if !tt.ok {
				if err == nil {
					c.Close()
					t.Fatalf("handshake succeeded (%s); want it refused", tls.VersionName(c.ConnectionState().Version))
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer c.Close()
			st := c.ConnectionState()
			if st.Version != tt.version || st.NegotiatedProtocol != "http/1.1" {
				t.Errorf("negotiated %s, ALPN %q; want %s, http/1.1", tls.VersionName(st.Version), st.NegotiatedProtocol, tls.VersionName(tt.version))
			}
		})
	}
}

// TestRSAKeyExchangeRefused: with an RSA certificate a client could offer
// plain RSA key exchange; the server must insist on ECDHE.
func TestRSAKeyExchangeRefused(t *testing.T) {
	p := newPKI(t)
	certFile, keyFile, _ := p.issue(t, "rsa", certs.RSA2048)
	cert, err := tlsconfig.Load(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, cert)
	base := tls.Config{RootCAs: p.roots, ServerName: "localhost", MaxVersion: tls.VersionTLS12}
	rsaKx := base.Clone()
	rsaKx.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384}
	if c, err := handshake(addr, rsaKx); err == nil {
		c.Close()
		t.Fatal("RSA key exchange accepted; want it refused")
	}
	ecdhe := base.Clone()
	ecdhe.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	c, err := handshake(addr, ecdhe)
	if err != nil {
		t.Fatalf("ECDHE-RSA with the RSA certificate: %v", err)
	}
	c.Close()
}

func serialSeen(t *testing.T, addr string, roots *x509.CertPool) (string, *tls.Conn) {
	t.Helper()
	c, err := handshake(addr, &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	return c.ConnectionState().PeerCertificates[0].SerialNumber.String(), c
}

func roundTrip(t *testing.T, c *tls.Conn) {
	t.Helper()
	if _, err := c.Write([]byte{'x'}); err != nil {
		t.Fatal(err)
	}
	var b [2]byte
	if _, err := io.ReadFull(c, b[:]); err != nil || string(b[:]) != "hi" {
		t.Fatalf("round trip on an open connection: %q, %v", b, err)
	}
}

func TestReload(t *testing.T) {
	p := newPKI(t)
	certFile, keyFile, first := p.issue(t, "server", certs.ECDSAP256)
	cert, err := tlsconfig.Load(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, cert)
	got, old := serialSeen(t, addr, p.roots)
	defer old.Close()
	if got != first {
		t.Fatalf("first serial %s; want %s", got, first)
	}

	// A new pair in the same files, then Reload: new connections get it,
	// the open one goes on.
	_, _, second := p.issue(t, "server", certs.ECDSAP256)
	if err := cert.Reload(); err != nil {
		t.Fatal(err)
	}
	if got, c := serialSeen(t, addr, p.roots); got != second {
		t.Errorf("after reload: serial %s; want %s", got, second)
	} else {
		c.Close()
	}
	roundTrip(t, old)

	// A broken pair is refused and the working one stays in use.
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cert.Reload(); err == nil {
		t.Fatal("Reload of a broken certificate succeeded")
	}
	if got, c := serialSeen(t, addr, p.roots); got != second {
		t.Errorf("after a failed reload: serial %s; want the previous %s", got, second)
	} else {
		c.Close()
	}
	roundTrip(t, old)
}

func TestLoadErrors(t *testing.T) {
	p := newPKI(t)
	certFile, _, _ := p.issue(t, "a", certs.ECDSAP256)
	_, otherKey, _ := p.issue(t, "b", certs.ECDSAP256)
	for name, files := range map[string][2]string{
		"missing files":    {filepath.Join(p.dir, "none.crt"), filepath.Join(p.dir, "none.key")},
		"key of another":   {certFile, otherKey},
		"key as cert file": {otherKey, otherKey},
	} {
		_, err := tlsconfig.Load(files[0], files[1])
		// The key comes first, as in lisod's arguments.
		want := "loading the TLS key pair (private key " + files[1] + ", certificate " + files[0] + "): "
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: Load = %v; want an error starting %q", name, err, want)
		}
	}
}
