package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type issueTest struct {
	name     string
	req      Request
	covered  []string // each must verify
	rejected []string // each must fail verification
}

var issueTests = []issueTest{
	{
		name:     "defaults",
		covered:  []string{"localhost", "LOCALHOST", "127.0.0.1", "::1"},
		rejected: []string{"example.test", "127.0.0.2", "::2", "sub.localhost"},
	},
	{
		name:     "names and addresses",
		req:      Request{Names: []string{"Example.TEST", "192.0.2.7", "2001:db8::7"}},
		covered:  []string{"example.test", "192.0.2.7", "2001:db8::7"},
		rejected: []string{"localhost", "127.0.0.1", "www.example.test", "2001:db8::8"},
	},
	{
		name:     "wildcard covers one level",
		req:      Request{Names: []string{"*.example.test"}},
		covered:  []string{"www.example.test", "api.example.test"},
		rejected: []string{"example.test", "a.b.example.test", "localhost"},
	},
}

func TestIssue(t *testing.T) {
	testHome(t)
	now := time.Now()
	ca := testCA(t, now)
	for _, tt := range issueTests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ca.Issue(tt.req)
			if err != nil {
				t.Fatalf("Issue(%+v): %v", tt.req, err)
			}
			opts := x509.VerifyOptions{Roots: rootsOf(ca), CurrentTime: now}
			for _, name := range tt.covered {
				opts.DNSName = name
				if _, err := p.Cert.Verify(opts); err != nil {
					t.Errorf("Verify(%q) = %v; want success", name, err)
				}
			}
			for _, name := range tt.rejected {
				opts.DNSName = name
				var hostErr x509.HostnameError
				if _, err := p.Cert.Verify(opts); !errors.As(err, &hostErr) {
					t.Errorf("Verify(%q) = %v; want a x509.HostnameError", name, err)
				}
			}
			// Only the CA that signed it is trusted.
			other := testCA(t, now)
			opts.DNSName, opts.Roots = tt.covered[0], rootsOf(other)
			var authErr x509.UnknownAuthorityError
			if _, err := p.Cert.Verify(opts); !errors.As(err, &authErr) {
				t.Errorf("Verify against another CA = %v; want x509.UnknownAuthorityError", err)
			}
			// The key in the pair belongs to the certificate, as crypto/tls checks.
			if _, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM); err != nil {
				t.Errorf("tls.X509KeyPair: %v", err)
			}
		})
	}
}

func TestIssueProperties(t *testing.T) {
	testHome(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ca := testCA(t, now)
	p, err := ca.Issue(Request{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Cert
	type props struct {
		Names               []string
		CommonName          string
		IsCA                bool
		KeyUsage            x509.KeyUsage
		ExtKeyUsage         []x509.ExtKeyUsage
		NotBefore, NotAfter time.Time
		Curve               string
		AuthorityKeyId      []byte
	}
	got := props{
		Names: p.Names, CommonName: c.Subject.CommonName, IsCA: c.IsCA,
		KeyUsage: c.KeyUsage, ExtKeyUsage: c.ExtKeyUsage,
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		Curve:          c.PublicKey.(*ecdsa.PublicKey).Curve.Params().Name,
		AuthorityKeyId: c.AuthorityKeyId,
	}
	want := props{
		Names: DefaultNames(), CommonName: "localhost", IsCA: false,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		NotBefore:   now.Add(-clockSkew), NotAfter: now.Add(-clockSkew).Add(MaxDays * 24 * time.Hour),
		Curve:          elliptic.P256().Params().Name,
		AuthorityKeyId: ca.Cert.SubjectKeyId,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issued certificate (-want +got):\n%s", diff)
	}
	if d := c.NotAfter.Sub(c.NotBefore); d > MaxDays*24*time.Hour {
		t.Errorf("validity %v; want at most %d days", d, MaxDays)
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
		t.Errorf("serial %v: want positive, at most 128 bits", c.SerialNumber)
	}
	q, err := ca.Issue(Request{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if q.Cert.SerialNumber.Cmp(c.SerialNumber) == 0 {
		t.Errorf("two certificates share serial %v", c.SerialNumber)
	}
	if !strings.HasPrefix(string(p.KeyPEM), "-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("key PEM starts %q; want PKCS#8 \"PRIVATE KEY\"", strings.SplitN(string(p.KeyPEM), "\n", 2)[0])
	}
}

// TestIssueRSA is this package's only RSA case: generating RSA keys is slow
// under -race.
func TestIssueRSA(t *testing.T) {
	testHome(t)
	ca := testCA(t, time.Now())
	p, err := ca.Issue(Request{KeyType: RSA2048, Names: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Cert.Verify(x509.VerifyOptions{Roots: rootsOf(ca), DNSName: "localhost"}); err != nil {
		t.Errorf("Verify(%q) = %v; want success", "localhost", err)
	}
	if _, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM); err != nil {
		t.Errorf("tls.X509KeyPair: %v", err)
	}
	if got, want := p.Cert.KeyUsage, x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment; got != want {
		t.Errorf("RSA key usage = %v; want %v", got, want)
	}
	if got := p.Cert.PublicKey.(*rsa.PublicKey).N.BitLen(); got != 2048 {
		t.Errorf("RSA modulus = %d bits; want 2048", got)
	}
}

type daysTest struct {
	days    int
	want    int // days of validity; 0 when refused
	wantErr string
}

var daysTests = []daysTest{
	{days: 0, want: MaxDays},
	{days: 1, want: 1},
	{days: 90, want: 90},
	{days: MaxDays, want: MaxDays},
	{days: MaxDays + 1, wantErr: "out of range"},
	{days: -1, wantErr: "out of range"},
}

func TestIssueDays(t *testing.T) {
	testHome(t)
	now := time.Now()
	ca := testCA(t, now)
	for _, tt := range daysTests {
		p, err := ca.Issue(Request{Days: tt.days, Now: now})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Issue(Days: %d) = %v; want error containing %q", tt.days, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Issue(Days: %d) = %v; want success", tt.days, err)
			continue
		}
		if got := p.Cert.NotAfter.Sub(p.Cert.NotBefore); got != time.Duration(tt.want)*24*time.Hour {
			t.Errorf("Issue(Days: %d): validity %v; want %d days", tt.days, got, tt.want)
		}
	}
}

func TestIssueNeverOutlivesCA(t *testing.T) {
	testHome(t)
	now := time.Now()
	// A CA made almost ten years ago has 100 days left.
	ca := testCA(t, now.AddDate(-CAYears, 0, 100))
	p, err := ca.Issue(Request{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Cert.NotAfter.Equal(ca.Cert.NotAfter) {
		t.Errorf("certificate expires %v; want the CA's expiry %v", p.Cert.NotAfter, ca.Cert.NotAfter)
	}
	_, err = ca.Issue(Request{Now: ca.Cert.NotAfter.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("Issue with an expired CA = %v; want an expired error", err)
	}
}

func TestIssueBadName(t *testing.T) {
	testHome(t)
	ca := testCA(t, time.Now())
	_, err := ca.Issue(Request{Names: []string{"localhost", "https://localhost"}})
	var ne *NameError
	if !errors.As(err, &ne) || ne.Name != "https://localhost" {
		t.Errorf("Issue(bad name) = %v; want *NameError for %q", err, "https://localhost")
	}
}

type handshakeTest struct {
	serverName string // what the client asks for; "" means the dialled IP
	version    uint16
	wantErr    string // "" for success
}

var handshakeTests = []handshakeTest{
	{serverName: "localhost", version: tls.VersionTLS13},
	{serverName: "localhost", version: tls.VersionTLS12},
	{serverName: "", version: tls.VersionTLS13}, // verifies the 127.0.0.1 IP SAN
	{serverName: "example.test", version: tls.VersionTLS13, wantErr: "certificate is valid for"},
}

// issuedPair makes a test CA and a server pair issued by it with the
// default request.
func issuedPair(t *testing.T) (*CA, tls.Certificate) {
	t.Helper()
	testHome(t)
	ca := testCA(t, time.Now())
	p, err := ca.Issue(Request{})
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return ca, pair
}

// TestHandshake runs a real TLS server on 127.0.0.1 with an issued pair and
// connects with Go's client trusting only the CA.
func TestHandshake(t *testing.T) {
	ca, pair := issuedPair(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, "hello\n") // forces the handshake
			}()
		}
	}()

	for _, tt := range handshakeTests {
		cfg := &tls.Config{RootCAs: rootsOf(ca), ServerName: tt.serverName, MinVersion: tt.version, MaxVersion: tt.version}
		c, err := tls.Dial("tcp", ln.Addr().String(), cfg)
		if err == nil {
			var buf [6]byte
			_, err = io.ReadFull(c, buf[:])
			c.Close()
		}
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("handshake as %q, TLS %x = %v; want success", tt.serverName, tt.version, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("handshake as %q, TLS %x = %v; want error containing %q", tt.serverName, tt.version, err, tt.wantErr)
		}
	}

	// A client that does not trust the CA refuses the server.
	_, err = tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "localhost"})
	var authErr *tls.CertificateVerificationError
	if !errors.As(err, &authErr) {
		t.Errorf("handshake without trusting the CA = %v; want *tls.CertificateVerificationError", err)
	}
}

// TestHandshakeIPv6 checks the ::1 SAN over a real IPv6 loopback socket,
// where the machine has one.
func TestHandshakeIPv6(t *testing.T) {
	ca, pair := issuedPair(t)
	ln, err := tls.Listen("tcp", "[::1]:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: rootsOf(ca)})
	if err != nil {
		t.Fatalf("handshake with [::1] = %v; want success", err)
	}
	c.Close()
}
