package certs

import (
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// MaxDays is the longest validity certgen issues, and its default. Apple's
// platforms reject TLS server certificates valid for more than 825 days,
// and a short life limits the harm of a leaked development key.
const MaxDays = 825

// A Request describes a server certificate to issue.
type Request struct {
	Names   []string  // host names and IP addresses; nil means DefaultNames()
	KeyType KeyType   // "" means ECDSAP256
	Days    int       // validity in days, 1 to MaxDays; 0 means MaxDays
	Now     time.Time // the zero time means time.Now()
}

// A Pair is an issued server key and certificate, not yet written anywhere.
type Pair struct {
	Cert    *x509.Certificate // the parsed certificate
	Names   []string          // the names it covers, canonical, in the order given
	CertPEM []byte            // the certificate, PEM
	KeyPEM  []byte            // the private key, PKCS#8 PEM; secret
}

// Issue creates a fresh private key and a certificate for it, signed by ca,
// valid for serverAuth (TLS server) use for each of req's names. Names are
// checked with CheckName; IP addresses become IP SANs, other names DNS
// SANs. The certificate never outlives the CA.
func (ca *CA) Issue(req Request) (*Pair, error) {
	names := req.Names
	if len(names) == 0 {
		names = DefaultNames()
	}
	dnsNames, ips, canonical, err := sans(names)
	if err != nil {
		return nil, err
	}
	days := req.Days
	if days == 0 {
		days = MaxDays
	}
	if days < 1 || days > MaxDays {
		return nil, fmt.Errorf("certs: validity of %d days is out of range (1 to %d)", days, MaxDays)
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	notBefore := now.Add(-clockSkew)
	notAfter := notBefore.Add(time.Duration(days) * 24 * time.Hour)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	if !notAfter.After(now) {
		return nil, fmt.Errorf("certs: the CA %s expired on %s", ca.CertFile(), ca.Cert.NotAfter.Format(time.DateOnly))
	}

	key, err := generateKey(req.KeyType)
	if err != nil {
		return nil, err
	}
	// ECDSA keys only sign the handshake; an RSA key may also be used for
	// TLS 1.2's RSA key exchange, which needs keyEncipherment.
	usage := x509.KeyUsageDigitalSignature
	if _, ok := key.(*rsa.PrivateKey); ok {
		usage |= x509.KeyUsageKeyEncipherment
	}
	tmpl := &x509.Certificate{
		// Clients match only the SANs (RFC 6125); the common name is for
		// people reading the certificate.
		Subject: pkix.Name{
			Organization: []string{"Liso development certificate"},
			CommonName:   canonical[0],
		},
		DNSNames:              dnsNames,
		IPAddresses:           ips,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              usage,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
	cert, der, keyPEM, err := certify(tmpl, ca.Cert, key, ca.key, "the certificate")
	if err != nil {
		return nil, err
	}
	return &Pair{Cert: cert, Names: canonical, CertPEM: encodeCert(der), KeyPEM: keyPEM}, nil
}

// Write saves the pair: the key (mode 0600) to keyFile and the certificate
// (mode 0644) to certFile, creating their folders (0700) if needed. Both
// land or neither does (see writeFiles). Unless replace is set, an existing
// file is an error wrapping fs.ErrExist and nothing is written.
func (p *Pair) Write(keyFile, certFile string, replace bool) error {
	for _, f := range []string{keyFile, certFile} {
		if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
			return fmt.Errorf("certs: writing %s: %w", f, err)
		}
	}
	return writeFiles([]fileWrite{
		{path: keyFile, data: p.KeyPEM, perm: 0o600},
		{path: certFile, data: p.CertPEM, perm: 0o644},
	}, replace)
}

// String describes the pair without its key, so printing it is safe.
func (p *Pair) String() string {
	return fmt.Sprintf("certificate for %v, expires %s", p.Names, p.Cert.NotAfter.Format(time.DateOnly))
}

// GoString keeps %#v from dumping the private key.
func (p *Pair) GoString() string { return "certs.Pair{" + p.String() + "}" }
