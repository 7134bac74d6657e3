package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// RenewBefore is how close to expiry EnsureDevPair replaces a pair, so that
// a server started today does not stop working during the week.
const RenewBefore = 7 * 24 * time.Hour

// A DevPair is the development key and certificate EnsureDevPair found or
// made, with what it had to do.
type DevPair struct {
	KeyFile   string    // server private key (PEM, 0600)
	CertFile  string    // server certificate (PEM, 0644)
	CAFile    string    // the CA certificate clients must trust
	NotAfter  time.Time // when the certificate expires
	CreatedCA bool      // a new CA was created (clients must trust it anew)
	Issued    bool      // a new key and certificate were written
	Reason    string    // why a new pair was issued; "" when reused
}

// Created reports whether EnsureDevPair wrote anything.
func (d DevPair) Created() bool { return d.CreatedCA || d.Issued }

// EnsureDevPair gives checkpoint 3 a usable key and certificate when the
// user named none: <home>/server.key and <home>/server.crt, signed by the
// CA in CADir(home). An existing pair is reused if the key matches the
// certificate, the certificate chains to the CA, covers DefaultNames(), and
// does not expire within RenewBefore of now. Otherwise the CA is created if
// it is missing (an existing but broken or expiring CA is an error, since
// replacing a CA means trusting it again in every client) and a fresh pair
// replaces the old one.
func EnsureDevPair(home string, now time.Time) (DevPair, error) {
	d := DevPair{
		KeyFile:  ServerKeyPath(home),
		CertFile: ServerCertPath(home),
		CAFile:   (&CA{Dir: CADir(home)}).CertFile(),
	}
	notAfter, err := checkPair(d.KeyFile, d.CertFile, d.CAFile, DefaultNames(), now)
	if err == nil {
		d.NotAfter = notAfter
		return d, nil
	}
	d.Reason = err.Error()

	caDir := CADir(home)
	exists, err := CAExists(caDir)
	if err != nil {
		return d, unwritable(home, err)
	}
	var ca *CA
	if exists {
		if ca, err = LoadCA(caDir); err != nil {
			return d, err
		}
		if ca.Cert.NotAfter.Before(now.Add(RenewBefore)) {
			return d, fmt.Errorf("certs: the CA %s expires on %s; create a new one (certgen ca --force) and trust it again",
				d.CAFile, ca.Cert.NotAfter.Format(time.DateOnly))
		}
	} else {
		if ca, err = CreateCA(caDir, CAOptions{Now: now}); err != nil {
			return d, unwritable(home, err)
		}
		d.CreatedCA = true
	}
	pair, err := ca.Issue(Request{Now: now})
	if err != nil {
		return d, err
	}
	if err := pair.Write(d.KeyFile, d.CertFile, true); err != nil {
		return d, unwritable(home, err)
	}
	d.Issued = true
	d.NotAfter = pair.Cert.NotAfter
	return d, nil
}

// unwritable adds, to an error reaching or writing the development files
// in home, the two ways out: a home folder that can be written, or no
// development pair at all.
func unwritable(home string, err error) error {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%w (the development certificate is kept in %s: set %s to a folder you can write, or give a private key and certificate)",
		err, home, EnvHome)
}

// errNoPair is the reason given when there is no pair yet at all.
var errNoPair = errors.New("no development certificate yet")

// checkPair returns the certificate's expiry if the pair in keyFile and
// certFile is fit for use until now+RenewBefore: key and certificate belong
// together, and the certificate chains to the CA in caFile for every one of
// names. It returns an error saying what is wrong otherwise.
func checkPair(keyFile, certFile, caFile string, names []string, now time.Time) (time.Time, error) {
	keyPEM, kerr := os.ReadFile(keyFile)
	certPEM, cerr := os.ReadFile(certFile)
	if errors.Is(kerr, os.ErrNotExist) && errors.Is(cerr, os.ErrNotExist) {
		return time.Time{}, errNoPair
	}
	if err := errors.Join(kerr, cerr); err != nil {
		return time.Time{}, err
	}
	// X509KeyPair is the check lisod's own loading does, so a pair that
	// passes here also loads there.
	kp, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return time.Time{}, err
	}
	if kp.Leaf == nil { // set by X509KeyPair since Go 1.23 unless GODEBUG says otherwise
		if kp.Leaf, err = x509.ParseCertificate(kp.Certificate[0]); err != nil {
			return time.Time{}, err
		}
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return time.Time{}, err
	}
	caCert, err := decodeCert(caPEM)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading %s: %w", caFile, err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	for _, at := range []time.Time{now, now.Add(RenewBefore)} {
		for _, name := range names {
			_, err := kp.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: at})
			if err != nil {
				return time.Time{}, fmt.Errorf("%s at %s: %w", certFile, at.Format(time.DateOnly), err)
			}
		}
	}
	return kp.Leaf.NotAfter, nil
}
