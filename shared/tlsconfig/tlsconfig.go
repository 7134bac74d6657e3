// Package tlsconfig is lisod's TLS setup (checkpoint 3): which protocol
// versions and cipher suites HTTPS accepts, and a certificate that can be
// reloaded while the server runs (on SIGHUP).
//
// The choices, each on purpose:
//   - TLS 1.2 is the minimum: 1.0 and 1.1 are deprecated (RFC 8996).
//   - TLS 1.2 suites are limited to ECDHE key exchange (forward secrecy: a
//     stolen key does not decrypt recorded traffic) with AEAD ciphers
//     (AES-GCM, ChaCha20-Poly1305). No CBC suites (padding-oracle attacks
//     such as Lucky13), no RSA key exchange (no forward secrecy, ROBOT).
//   - TLS 1.3 is on; its suites are all AEAD and Go does not let them be
//     configured.
//   - ALPN offers only "http/1.1", so clients never try HTTP/2 here.
package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync/atomic"
)

// cipherSuites are the TLS 1.2 suites lisod accepts: ECDHE with AEAD.
var cipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// CipherSuites returns the TLS 1.2 suites the server accepts.
func CipherSuites() []uint16 { return append([]uint16(nil), cipherSuites...) }

// Certificate is a key pair loaded from two PEM files, replaceable at run
// time. Handshakes in progress keep the pair they started with; new ones
// get the newest.
type Certificate struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// Load reads the certificate and private key files.
func Load(certFile, keyFile string) (*Certificate, error) {
	c := &Certificate{certFile: certFile, keyFile: keyFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the files again. On any error the pair in use stays.
func (c *Certificate) Reload() error {
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		// Key first: lisod's arguments are <private key> <certificate>.
		return fmt.Errorf("loading the TLS key pair (private key %s, certificate %s): %w", c.keyFile, c.certFile, err)
	}
	c.cur.Store(&pair)
	return nil
}

// Leaf is the certificate in use, for logging its names and expiry.
func (c *Certificate) Leaf() *x509.Certificate { return c.cur.Load().Leaf }

// Config returns the server's TLS configuration, serving c.
func Config(c *Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: CipherSuites(),
		NextProtos:   []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.cur.Load(), nil
		},
	}
}
