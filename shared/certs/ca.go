package certs

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"time"
)

// CAYears is how long a new CA is valid. Long, because replacing a CA means
// trusting the new one again in every browser; the certificates it issues
// are short-lived instead (MaxDays).
const CAYears = 10

// clockSkew backdates NotBefore a little, so a certificate is usable at once
// by a client whose clock runs slightly behind (a VM, a container).
const clockSkew = time.Minute

// ErrKeyMismatch reports a private key that is not the one a certificate
// was issued for.
var ErrKeyMismatch = errors.New("the private key does not match the certificate")

// ErrIncompleteCA reports a CA folder holding only one of ca.crt and ca.key.
var ErrIncompleteCA = errors.New("incomplete CA")

// A CA is a loaded certificate authority: its certificate and private key.
// The key is unexported and CA formats itself without it, so printing a CA
// with fmt never shows the key.
type CA struct {
	Dir  string            // folder holding ca.crt and ca.key
	Cert *x509.Certificate // the self-signed CA certificate
	key  crypto.Signer     // the CA private key; never leaves this package
}

// CertFile returns the path of the CA certificate (public).
func (ca *CA) CertFile() string { return filepath.Join(ca.Dir, CACertName) }

// KeyFile returns the path of the CA private key (secret).
func (ca *CA) KeyFile() string { return filepath.Join(ca.Dir, CAKeyName) }

// String describes the CA without its key.
func (ca *CA) String() string {
	return fmt.Sprintf("CA %q in %s", ca.Cert.Subject.CommonName, ca.Dir)
}

// GoString keeps %#v from dumping the private key.
func (ca *CA) GoString() string { return "certs." + ca.String() }

// CAOptions tune CreateCA. The zero value makes an ECDSA CA now, and
// refuses to replace an existing one.
type CAOptions struct {
	KeyType KeyType   // "" means ECDSAP256
	Now     time.Time // the zero time means time.Now()
	Force   bool      // replace an existing CA
}

// CAExists reports whether dir holds a CA (both ca.crt and ca.key). A
// folder with only one of the two is an error wrapping ErrIncompleteCA, since neither creating a CA
// over it nor using it would be right without the user deciding.
func CAExists(dir string) (bool, error) {
	var present, missing []string
	for _, name := range []string{CACertName, CAKeyName} {
		p := filepath.Join(dir, name)
		_, err := os.Stat(p)
		switch {
		case err == nil:
			present = append(present, p)
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, p)
		default:
			return false, fmt.Errorf("certs: checking %s: %w", p, err)
		}
	}
	switch {
	case len(missing) == 0:
		return true, nil
	case len(present) == 0:
		return false, nil
	}
	return false, fmt.Errorf("certs: %w in %s: %s exists but %s is missing", ErrIncompleteCA, dir, present[0], missing[0])
}

// CreateCA makes a new CA in dir (created 0700 if needed): a private key,
// written 0600 as ca.key, and a self-signed certificate valid for CAYears,
// written 0644 as ca.crt. Unless opts.Force is set, an existing ca.crt or
// ca.key is an error wrapping fs.ErrExist and nothing is written.
func CreateCA(dir string, opts CAOptions) (*CA, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("certs: creating the CA folder: %w", err)
	}
	if !opts.Force {
		// Checked again by writeFiles; checking first saves generating a
		// key (slow for RSA) only to refuse to write it.
		for _, name := range []string{CAKeyName, CACertName} {
			p := filepath.Join(dir, name)
			if _, err := os.Lstat(p); err == nil {
				return nil, fmt.Errorf("certs: writing %s: %w", p, fs.ErrExist)
			}
		}
	}
	key, err := generateKey(opts.KeyType)
	if err != nil {
		return nil, err
	}
	who := userAtHost()
	notBefore := now.Add(-clockSkew)
	tmpl := &x509.Certificate{
		// The user and host go into the name so that, in a browser's list
		// of authorities, one student's CA is told apart from another's.
		Subject: pkix.Name{
			Organization:       []string{"Liso local CA"},
			OrganizationalUnit: []string{who},
			CommonName:         "Liso local CA " + who,
		},
		NotBefore: notBefore,
		NotAfter:  notBefore.AddDate(CAYears, 0, 0),
		// A CA signs certificates (and could sign revocation lists), and
		// nothing else; MaxPathLen 0 stops it from creating sub-CAs, so
		// a stolen leaf key can never issue certificates.
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	cert, der, keyPEM, err := certify(tmpl, tmpl, key, key, "the CA certificate")
	if err != nil {
		return nil, err
	}
	ca := &CA{Dir: dir, Cert: cert, key: key}
	err = writeFiles([]fileWrite{
		{path: ca.KeyFile(), data: keyPEM, perm: 0o600},
		{path: ca.CertFile(), data: encodeCert(der), perm: 0o644},
	}, opts.Force)
	if err != nil {
		return nil, err
	}
	return ca, nil
}

// LoadCA reads the CA in dir and checks that it is usable: the certificate
// is a CA certificate allowed to sign, and the key is its own (else the
// error wraps ErrKeyMismatch). A missing file gives an error wrapping
// fs.ErrNotExist.
func LoadCA(dir string) (*CA, error) {
	ca := &CA{Dir: dir}
	certPEM, err := os.ReadFile(ca.CertFile())
	if err != nil {
		return nil, fmt.Errorf("certs: reading the CA certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(ca.KeyFile())
	if err != nil {
		return nil, fmt.Errorf("certs: reading the CA key: %w", err)
	}
	if ca.Cert, err = decodeCert(certPEM); err != nil {
		return nil, fmt.Errorf("certs: reading %s: %w", ca.CertFile(), err)
	}
	if ca.key, err = decodeKey(keyPEM); err != nil {
		return nil, fmt.Errorf("certs: reading %s: %w", ca.KeyFile(), err)
	}
	c := ca.Cert
	if !c.BasicConstraintsValid || !c.IsCA || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fmt.Errorf("certs: %s is not a CA certificate (it may not sign others)", ca.CertFile())
	}
	if !keyMatches(ca.key, c) {
		return nil, fmt.Errorf("certs: CA key %s does not belong to %s: %w", ca.KeyFile(), ca.CertFile(), ErrKeyMismatch)
	}
	return ca, nil
}

// userAtHost names who made a CA, as "user@host", best effort.
func userAtHost() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return name + "@" + host
}
