package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"liso/shared/certs"
	"liso/shared/tlsconfig"
)

// tlsTest is one row of the TLS table: what a client offers, and what
// lisod must negotiate with it (or that it must refuse).
type tlsTest struct {
	name string
	ref  string
	// The client's offer: versions, TLS 1.2 suites (nil: Go's default)
	// and ALPN protocols.
	minVersion, maxVersion uint16
	suites                 []uint16
	alpn                   []string
	refused                bool
	version                uint16 // the version lisod must choose; 0 when refused
}

// tlsSuites returns the IDs of the named suites Go knows, secure or not.
// A name Go does not know lands in tlsUnknownSuites, which fails the table.
func tlsSuites(names ...string) []uint16 {
	var ids []uint16
	for _, name := range names {
		i := slices.IndexFunc(tlsEverySuite(), func(id uint16) bool { return tls.CipherSuiteName(id) == name })
		if i < 0 {
			tlsUnknownSuites = append(tlsUnknownSuites, name)
			continue
		}
		ids = append(ids, tlsEverySuite()[i])
	}
	return ids
}

var tlsUnknownSuites []string

// tlsEverySuite is every TLS 1.2 suite Go can offer, the insecure ones
// first: lisod must still pick one of its own.
func tlsEverySuite() []uint16 {
	var ids []uint16
	for _, s := range append(tls.InsecureCipherSuites(), tls.CipherSuites()...) {
		ids = append(ids, s.ID)
	}
	return ids
}

var tlsTests = []tlsTest{
	{name: "TLS 1.0", ref: "RFC 8996 (deprecated)", minVersion: tls.VersionTLS10, maxVersion: tls.VersionTLS10, refused: true},
	{name: "TLS 1.1", ref: "RFC 8996 (deprecated)", minVersion: tls.VersionTLS11, maxVersion: tls.VersionTLS11, refused: true},
	{name: "TLS 1.2 with CBC suites only", ref: "Lucky13, padding oracles (RFC 9325 4.2)", refused: true,
		maxVersion: tls.VersionTLS12, suites: tlsSuites(
			"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
			"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")},
	{name: "TLS 1.2 with RSA key exchange only", ref: "no forward secrecy, ROBOT (RFC 9325 4.1)", refused: true,
		maxVersion: tls.VersionTLS12, suites: tlsSuites(
			"TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_CBC_SHA",
			"TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256")},
	{name: "TLS 1.2 with 3DES only", ref: "Sweet32 (RFC 9325 4.1)", refused: true,
		maxVersion: tls.VersionTLS12, suites: tlsSuites("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA")},
	{name: "TLS 1.2 with RC4 only", ref: "RFC 7465 (RC4 prohibited)", refused: true,
		maxVersion: tls.VersionTLS12, suites: tlsSuites("TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_RC4_128_SHA")},
	{name: "TLS 1.2 with every suite Go has, weak ones included", ref: "the server's preference wins (RFC 9325 4.2)", version: tls.VersionTLS12,
		maxVersion: tls.VersionTLS12, suites: tlsEverySuite()},
	{name: "TLS 1.2 with ECDHE and AES-GCM", ref: "RFC 9325 4.2 (recommended)", version: tls.VersionTLS12,
		maxVersion: tls.VersionTLS12, suites: tlsSuites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")},
	{name: "TLS 1.2 with ECDHE and ChaCha20-Poly1305", ref: "RFC 7905", version: tls.VersionTLS12,
		maxVersion: tls.VersionTLS12, suites: tlsSuites("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256")},
	{name: "TLS 1.3", ref: "RFC 8446", version: tls.VersionTLS13, minVersion: tls.VersionTLS13},
	{name: "a default client", ref: "RFC 9325 3.1 (negotiate the highest)", version: tls.VersionTLS13},
	{name: "ALPN offering h2 and http/1.1", ref: "RFC 7301; lisod speaks HTTP/1.1 only", version: tls.VersionTLS13,
		alpn: []string{"h2", "http/1.1"}},
}

// TestTLSTable: each client offer gets the version and kind of suite the
// table says, or no connection at all; every connection that is made
// serves a request. The table runs against lisod's default ECDSA
// certificate, then against an RSA one (loaded by SIGHUP), with which RSA
// key exchange would be possible if lisod allowed it.
func TestTLSTable(t *testing.T) {
	if len(tlsUnknownSuites) > 0 {
		t.Fatalf("the table names suites Go does not know: %q", tlsUnknownSuites)
	}
	f := startHardened(t, hardSite(t))
	t.Run("ECDSA certificate", func(t *testing.T) { runTLSTable(t, f) })

	ca, err := certs.LoadCA(filepath.Join(f.home, "ca"))
	hardMust(t, err)
	pair, err := ca.Issue(certs.Request{Names: certs.DefaultNames(), KeyType: certs.RSA2048})
	hardMust(t, err)
	hardMust(t, pair.Write(certs.ServerKeyPath(f.home), certs.ServerCertPath(f.home), true))
	f.Signal(t, syscall.SIGHUP)
	f.WaitStderr(t, "certificate reloaded")
	t.Run("RSA certificate", func(t *testing.T) { runTLSTable(t, f) })
}

func runTLSTable(t *testing.T, f *foreground) {
	for _, tt := range tlsTests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &tls.Config{MinVersion: tt.minVersion, MaxVersion: tt.maxVersion, CipherSuites: tt.suites, NextProtos: tt.alpn}
			c, err := f.dialTLS(t, cfg)
			if tt.refused {
				if err == nil {
					st := c.ConnectionState()
					c.Close()
					t.Fatalf("%s (%s): lisod accepted it with %s, %s; want it refused", tt.name, tt.ref,
						tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
				}
				// The refusal must be lisod's (an alert it sent), not a
				// client that would not even offer what the row asks for.
				if !strings.Contains(err.Error(), "remote error") {
					t.Fatalf("%s: %v; want lisod to refuse with an alert", tt.name, err)
				}
				t.Logf("%s: %v", tt.name, err)
				return
			}
			if err != nil {
				t.Fatalf("%s: handshake failed: %v", tt.name, err)
			}
			defer c.Close()
			st := c.ConnectionState()
			if st.Version != tt.version {
				t.Errorf("%s: negotiated %s; want %s", tt.name, tls.VersionName(st.Version), tls.VersionName(tt.version))
			}
			if st.Version == tls.VersionTLS12 && !slices.Contains(tlsconfig.CipherSuites(), st.CipherSuite) {
				t.Errorf("%s: negotiated %s, which is not one of lisod's ECDHE+AEAD tlsSuites", tt.name, tls.CipherSuiteName(st.CipherSuite))
			}
			if name := tls.CipherSuiteName(st.CipherSuite); !strings.Contains(name, "GCM") && !strings.Contains(name, "CHACHA20_POLY1305") {
				t.Errorf("%s: negotiated %s; want an AEAD suite", tt.name, name)
			}
			if len(cfg.NextProtos) > 0 && st.NegotiatedProtocol != "http/1.1" {
				t.Errorf("%s: ALPN chose %q; want http/1.1", tt.name, st.NegotiatedProtocol)
			}
			t.Logf("%s: %s, %s", tt.name, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
			tlsGet(t, c)
		})
	}
}

// tlsGet asks for /second.txt on an open connection and checks the answer.
func tlsGet(t *testing.T, c net.Conn) {
	t.Helper()
	io.WriteString(c, "GET /second.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	a, err := hardRead(bufio.NewReader(c), "GET")
	if err != nil || a.status != 200 || a.body != hardSecond {
		t.Errorf("GET over TLS: %v, %d %q; want 200 %q", err, a.status, a.body, hardSecond)
	}
}

// tlsByteWriter sends every write one byte at a time, each in its own
// segment (Go sets TCP_NODELAY), so lisod reads the handshake piecemeal.
type tlsByteWriter struct{ net.Conn }

func (b tlsByteWriter) Write(p []byte) (int, error) {
	for i := range p {
		if _, err := b.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// TestTLSByteByByte: a client whose ClientHello (and every later record)
// arrives one byte at a time completes its handshake and is served.
func TestTLSByteByByte(t *testing.T) {
	f := startHardened(t, hardSite(t))
	raw := hardDial(t, f.https, 10*time.Second)
	c := tls.Client(tlsByteWriter{raw}, &tls.Config{RootCAs: f.roots, ServerName: "localhost"})
	if err := c.Handshake(); err != nil {
		t.Fatalf("handshake, one byte per write: %v", err)
	}
	tlsGet(t, c)
}

// tlsClientHello records the ClientHello a Go client sends, without a server.
func tlsClientHello(t *testing.T) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	go tls.Client(b, &tls.Config{ServerName: "localhost"}).Handshake()
	a.SetReadDeadline(time.Now().Add(10 * time.Second))
	// A record header (5 bytes) says how long the record is.
	head := make([]byte, 5)
	if _, err := io.ReadFull(a, head); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, int(head[3])<<8|int(head[4]))
	if _, err := io.ReadFull(a, body); err != nil {
		t.Fatal(err)
	}
	b.Close()
	return append(head, body...)
}

// tlsStalls are clients that never finish a handshake; lisod must
// cut each at --handshake-timeout (2 s).
var tlsStalls = []struct {
	name string
	send func(c net.Conn, hello []byte, stop <-chan struct{})
}{
	{"connects and sends nothing", func(net.Conn, []byte, <-chan struct{}) {}},
	{"sends half a ClientHello", func(c net.Conn, hello []byte, _ <-chan struct{}) { c.Write(hello[:len(hello)/2]) }},
	{"sends a whole ClientHello, then nothing", func(c net.Conn, hello []byte, _ <-chan struct{}) { c.Write(hello) }},
	{"drips a ClientHello, a byte every 200 ms", func(c net.Conn, hello []byte, stop <-chan struct{}) {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for _, b := range hello {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
		}
	}},
}

// TestTLSHandshakeTimeout: 50 clients of each stalling kind at once are
// all cut at the handshake timeout, while a TLS client is served.
func TestTLSHandshakeTimeout(t *testing.T) {
	f := startHardened(t, hardSite(t))
	hello := tlsClientHello(t)
	const each = 50
	type result struct {
		kind string
		held time.Duration
		got  int
		err  error
	}
	results := make(chan result, each*len(tlsStalls))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, kind := range tlsStalls {
		for range each {
			wg.Go(func() {
				c, err := net.DialTimeout("tcp", f.https, 10*time.Second)
				if err != nil {
					results <- result{kind: kind.name, err: err}
					return
				}
				defer c.Close()
				start := time.Now()
				c.SetReadDeadline(start.Add(hangGuard))
				go kind.send(c, hello, stop)
				n, err := io.Copy(io.Discard, c) // until lisod hangs up
				if hardClosed(err) {
					err = nil
				}
				results <- result{kind: kind.name, held: time.Since(start), got: int(n), err: err}
			})
		}
	}
	// Meanwhile a real TLS client is served promptly.
	c, err := f.dialTLS(t, nil)
	if err != nil {
		t.Fatalf("a TLS client during the stalled handshakes: %v", err)
	}
	tlsGet(t, c)
	c.Close()

	wg.Wait()
	close(stop)
	close(results)
	longest := map[string]time.Duration{}
	for r := range results {
		longest[r.kind] = max(longest[r.kind], r.held)
		switch {
		case r.err != nil:
			t.Errorf("%s: %v", r.kind, r.err)
		case r.held > 2*time.Second+slowCutSlack || r.held < 2*time.Second-100*time.Millisecond:
			t.Errorf("%s: cut after %v; want about the handshake timeout, 2s", r.kind, r.held.Round(time.Millisecond))
		}
	}
	for kind, d := range longest {
		t.Logf("%d clients that %s: cut after at most %v", each, kind, d.Round(time.Millisecond))
	}
}

// expected is the row's expectation in words, for docs/security.md.
func (tt *tlsTest) expected() string {
	if tt.refused {
		return "handshake refused"
	}
	return fmt.Sprintf("%s with an ECDHE+AEAD suite", tls.VersionName(tt.version))
}
