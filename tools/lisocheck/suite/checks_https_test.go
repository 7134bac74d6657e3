package suite

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/certs"
	"liso/shared/tlsconfig"
)

// TestTLSTableKnowsItsSuites: every suite the table names is one Go has.
func TestTLSTableKnowsItsSuites(t *testing.T) {
	if len(unknownSuites) > 0 {
		t.Errorf("the TLS table names suites Go does not know: %q", unknownSuites)
	}
}

// TestTLSChecksTellWeakFromStrong runs the TLS table's checks against two
// servers made with crypto/tls and net/http, one that accepts everything
// Go can (TLS 1.0, CBC, 3DES, RC4, RSA key exchange) and prefers h2, one
// configured as lisod is: each check must fail the first where it should,
// and pass the second.
func TestTLSChecksTellWeakFromStrong(t *testing.T) {
	dir := t.TempDir()
	site, err := WriteSite(filepath.Join(dir, "www"), filepath.Join(dir, "cgi", "site.cgi"), "")
	if err != nil {
		t.Fatal(err)
	}
	// An RSA certificate, with which RSA key exchange is possible.
	pair, ca, err := issueFromNewCA(filepath.Join(dir, "ca"), certs.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)

	weak := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, CipherSuites: everySuite(), NextProtos: []string{"h2", "http/1.1"}}
	strong := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: tlsconfig.CipherSuites(), NextProtos: []string{"http/1.1"}}
	failsWeak := map[string]bool{
		"https/tls-1.0-refused": true, "https/tls-1.1-refused": true, "https/tls-1.2-cbc-refused": true,
		"robust/tls/rsa-key-exchange-refused": true, "robust/tls/3des-refused": true, "robust/tls/rc4-refused": true,
		"robust/tls/alpn-h2-and-http-1.1": true, "robust/tls/alpn-selects-http-1.1": true,
	}
	for _, tt := range []struct {
		name string
		cfg  *tls.Config
		want func(check string) Verdict
	}{
		{"weak", weak, func(check string) Verdict {
			if failsWeak[check] {
				return Fail
			}
			return Pass
		}},
		{"strong", strong, func(string) Verdict { return Pass }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tgt := &Target{Checkpoint: 3, TLSAddr: serveTLS(t, tt.cfg, site), Roots: roots, Site: site, Strict: true}
			want, got := map[string]Verdict{}, map[string]Verdict{}
			for _, ch := range tlsOfferChecks() {
				if ch.Starts {
					continue // needs a command to start servers with
				}
				want[ch.Name] = tt.want(ch.Name)
				got[ch.Name] = runOne(t.Context(), tgt, &ch).Verdict
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("verdicts against the %s server (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

// serveTLS serves the site's files over TLS with cfg on a port of its own
// until the test ends, and returns the address.
func serveTLS(t *testing.T, cfg *tls.Config, site *Site) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &http.Server{Handler: http.FileServer(http.Dir(site.WWW)), TLSConfig: cfg, ErrorLog: log.New(io.Discard, "", 0)}
	if !slices.Contains(cfg.NextProtos, "h2") {
		s.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){} // HTTP/1.1 only
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ServeTLS(l, "", "")
	}()
	t.Cleanup(func() {
		s.Close()
		<-done
	})
	return l.Addr().String()
}
