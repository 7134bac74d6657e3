package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// KeyType names a kind of private key certgen can generate.
type KeyType string

// The key types on offer. ECDSA P-256 is the default: small, fast, and
// accepted by every current TLS client. RSA is there for old clients and
// for comparing with the course's OpenSSL examples, which used RSA.
const (
	ECDSAP256 KeyType = "ecdsa"   // ECDSA on NIST P-256 (the default)
	RSA2048   KeyType = "rsa2048" // RSA, 2048-bit modulus
	RSA3072   KeyType = "rsa3072" // RSA, 3072-bit modulus
)

// KeyTypes lists the accepted key types, default first, for help texts.
func KeyTypes() []KeyType { return []KeyType{ECDSAP256, RSA2048, RSA3072} }

// ParseKeyType turns a name such as "rsa2048" into a KeyType; "" means the
// default, ECDSAP256.
func ParseKeyType(s string) (KeyType, error) {
	if s == "" {
		return ECDSAP256, nil
	}
	for _, kt := range KeyTypes() {
		if strings.EqualFold(s, string(kt)) {
			return kt, nil
		}
	}
	return "", fmt.Errorf("certs: unknown key type %q (want ecdsa, rsa2048 or rsa3072)", s)
}

// rsaBits maps the RSA key types to their modulus size.
var rsaBits = map[KeyType]int{RSA2048: 2048, RSA3072: 3072}

// generateKey creates a fresh private key of the given type.
func generateKey(kt KeyType) (crypto.Signer, error) {
	kt, err := ParseKeyType(string(kt))
	if err != nil {
		return nil, err
	}
	if bits, ok := rsaBits[kt]; ok {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, fmt.Errorf("certs: generating an RSA key: %w", err)
		}
		return k, nil
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: generating an ECDSA key: %w", err)
	}
	return k, nil
}

// PEM block types: PKCS#8 for keys (RFC 5208, in PEM per RFC 7468), so one
// reader handles every key type.
const (
	pemKey  = "PRIVATE KEY"
	pemCert = "CERTIFICATE"
)

func encodeKey(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("certs: encoding the private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemKey, Bytes: der}), nil
}

func encodeCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemCert, Bytes: der})
}

// decodeKey reads a PEM private key. Besides PKCS#8 it accepts the older
// "EC PRIVATE KEY" and "RSA PRIVATE KEY" forms, so a CA made with the
// openssl command line can be used too.
func decodeKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	var k any
	var err error
	switch block.Type {
	case pemKey:
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block is %q, not a private key", block.Type)
	}
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported private key type %T", k)
	}
	return s, nil
}

func decodeCert(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if block.Type != pemCert {
		return nil, fmt.Errorf("PEM block is %q, not a certificate", block.Type)
	}
	return x509.ParseCertificate(block.Bytes)
}

// keyMatches reports whether k is the private half of cert's public key.
func keyMatches(k crypto.Signer, cert *x509.Certificate) bool {
	pub, ok := k.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}

// serialLimit is 2^128: serials are 128 random bits, positive (RFC 5280
// section 4.1.2.2 allows up to 20 octets). Random serials mean two
// certificates from one CA never share a serial, which browsers reject.
var serialLimit = new(big.Int).Lsh(big.NewInt(1), 128)

func randomSerial() (*big.Int, error) {
	for {
		n, err := rand.Int(rand.Reader, serialLimit)
		if err != nil {
			return nil, fmt.Errorf("certs: generating a serial number: %w", err)
		}
		if n.Sign() > 0 { // zero is not a valid serial; vanishingly rare
			return n, nil
		}
	}
}

// certify has signer sign tmpl, with a fresh serial number, for key's
// public half, the one step a CA certificate (parent is tmpl itself: it
// signs itself) and a server certificate share. It returns the
// certificate parsed and as DER, and key as PEM; what names the
// certificate in errors ("the CA certificate").
func certify(tmpl, parent *x509.Certificate, key, signer crypto.Signer, what string) (*x509.Certificate, []byte, []byte, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("certs: signing %s: %w", what, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("certs: reading back %s: %w", what, err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	return cert, der, keyPEM, nil
}
