package suite

import (
	"crypto/x509"
	"fmt"
	"path/filepath"

	"liso/shared/certs"
)

// Prepare writes into dir everything a server lisocheck starts needs: the
// site, the CGI script, and a key and certificate for localhost and
// 127.0.0.1 issued by a CA of its own (in dir/ca), which it returns as the
// roots a client trusts.
func Prepare(dir string, f Files) (*Site, *x509.CertPool, error) {
	site, err := WriteSite(f.WWW, f.CGI, filepath.Join(filepath.Dir(f.WWW), "secret.txt"))
	if err != nil {
		return nil, nil, err
	}
	roots, err := IssuePair(filepath.Join(dir, "ca"), f.Key, f.Cert)
	if err != nil {
		return nil, nil, err
	}
	return site, roots, nil
}

// IssuePair creates a CA in caDir and writes a key and certificate it
// issued for localhost and 127.0.0.1 to key and cert.
func IssuePair(caDir, key, cert string) (*x509.CertPool, error) {
	ca, err := certs.CreateCA(caDir, certs.CAOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating lisocheck's CA: %w", err)
	}
	pair, err := ca.Issue(certs.Request{Names: []string{"localhost", "127.0.0.1"}})
	if err != nil {
		return nil, fmt.Errorf("issuing the server's certificate: %w", err)
	}
	if err := pair.Write(key, cert, true); err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	return roots, nil
}
