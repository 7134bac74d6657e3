package certs

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Checkpoint 3 serves HTTPS with the key and certificate it is given, or,
// given neither, with the development pair. That choice, and what lisod
// tells the user about it, is made here so that the launcher of a daemon,
// the daemon and a foreground lisod all make it the same way.

// A ServerPair names the private key and certificate lisod serves over
// HTTPS.
type ServerPair struct {
	KeyFile  string // private key (PEM)
	CertFile string // certificate (PEM)
	// Dev is the development pair when no key and certificate were
	// given, and nil when they were.
	Dev *DevPair
}

// errHalfPair is refused at once: a lone key or certificate is a mistake,
// not a wish for the development pair. It has no "certs:" prefix because
// it is about lisod's arguments, not about a file.
var errHalfPair = errors.New("give both the private key and the certificate, or neither (for a development pair)")

// EnsureServerPair returns the pair lisod serves: keyFile and certFile when
// both are given, or, when neither is, the development pair in DefaultHome,
// which EnsureDevPair issues (with the local CA) on first use. It reads no
// given file: loading them is tlsconfig.Load's job.
func EnsureServerPair(keyFile, certFile string, now time.Time) (ServerPair, error) {
	switch {
	case keyFile != "" && certFile != "":
		return ServerPair{KeyFile: keyFile, CertFile: certFile}, nil
	case keyFile != "" || certFile != "":
		return ServerPair{}, errHalfPair
	}
	home, err := DefaultHome()
	if err != nil {
		return ServerPair{}, err
	}
	dev, err := EnsureDevPair(home, now)
	if err != nil {
		return ServerPair{}, err
	}
	return ServerPair{KeyFile: dev.KeyFile, CertFile: dev.CertFile, Dev: &dev}, nil
}

// IssuedLine is the line lisod prints right after EnsureServerPair when it
// has just created the development certificate or its CA, and "" when
// nothing was written.
func (p ServerPair) IssuedLine() string {
	if p.Dev == nil || !p.Dev.Created() {
		return ""
	}
	return fmt.Sprintf("lisod: issued a development certificate for localhost (%s)\n", p.CertFile)
}

// TrustLine is the line lisod prints once it serves a development pair on
// the HTTPS address https: which CA clients must trust, as a curl command.
// It is "" for a pair the user gave, whose clients know whom to trust.
func (p ServerPair) TrustLine(https net.Addr) string {
	if p.Dev == nil {
		return ""
	}
	port := 0
	if a, ok := https.(*net.TCPAddr); ok {
		port = a.Port
	}
	return fmt.Sprintf("lisod: clients trust it through the CA %s (curl --cacert %s https://localhost:%d/)\n",
		p.Dev.CAFile, p.Dev.CAFile, port)
}

// PrivateKeyHelp describes for lisod --help the private key it uses when
// given none: the development key in this user's DefaultHome. It is ""
// when there is no home folder to name.
func PrivateKeyHelp() string {
	home, err := DefaultHome()
	if err != nil {
		return ""
	}
	return "the development key " + ServerKeyPath(home) + ", created on first use"
}

// CertificateHelp describes for lisod --help the certificate it uses when
// given none: the development certificate and the CA that issues it. It is
// "" when there is no home folder to name.
func CertificateHelp() string {
	home, err := DefaultHome()
	if err != nil {
		return ""
	}
	return "the development certificate " + ServerCertPath(home) +
		", issued on first use by the local CA in " + CADir(home) + "; see tools/certgen"
}
