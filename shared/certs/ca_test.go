package certs

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCreateCA(t *testing.T) {
	testHome(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dir := filepath.Join(t.TempDir(), "new", "ca")
	ca, err := CreateCA(dir, CAOptions{Now: now})
	if err != nil {
		t.Fatalf("CreateCA(%q): %v", dir, err)
	}

	modes := map[string]os.FileMode{
		dir:           fileMode(t, dir),
		ca.KeyFile():  fileMode(t, ca.KeyFile()),
		ca.CertFile(): fileMode(t, ca.CertFile()),
	}
	wantModes := map[string]os.FileMode{dir: 0o700, ca.KeyFile(): 0o600, ca.CertFile(): 0o644}
	if diff := cmp.Diff(wantModes, modes); diff != "" {
		t.Errorf("CreateCA file modes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{CACertName, CAKeyName}, dirNames(t, dir)); diff != "" {
		t.Errorf("CreateCA left other files (-want +got):\n%s", diff)
	}

	c := ca.Cert
	type caProps struct {
		IsCA, MaxPathLenZero bool
		MaxPathLen           int
		KeyUsage             x509.KeyUsage
		NotBefore, NotAfter  time.Time
		SelfSigned           bool
	}
	got := caProps{
		IsCA: c.IsCA && c.BasicConstraintsValid, MaxPathLenZero: c.MaxPathLenZero, MaxPathLen: c.MaxPathLen,
		KeyUsage: c.KeyUsage, NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		SelfSigned: c.CheckSignatureFrom(c) == nil,
	}
	want := caProps{
		IsCA: true, MaxPathLenZero: true, MaxPathLen: 0,
		KeyUsage:  x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		NotBefore: now.Add(-clockSkew), NotAfter: now.Add(-clockSkew).AddDate(10, 0, 0),
		SelfSigned: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CA certificate (-want +got):\n%s", diff)
	}
	if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 128 {
		t.Errorf("CA serial %v: want positive, at most 128 bits", c.SerialNumber)
	}

	loaded, err := LoadCA(dir)
	if err != nil {
		t.Fatalf("LoadCA(%q): %v", dir, err)
	}
	if !loaded.Cert.Equal(ca.Cert) || !keyMatches(loaded.key, ca.Cert) {
		t.Errorf("LoadCA(%q) returned a different CA", dir)
	}
}

func TestCreateCARefusesExisting(t *testing.T) {
	testHome(t)
	ca := testCA(t, time.Now())
	oldKey, oldCert := readFile(t, ca.KeyFile()), readFile(t, ca.CertFile())

	_, err := CreateCA(ca.Dir, CAOptions{})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("CreateCA over an existing CA = %v; want an error wrapping fs.ErrExist", err)
	}
	if readFile(t, ca.KeyFile()) != oldKey || readFile(t, ca.CertFile()) != oldCert {
		t.Fatalf("CreateCA without Force changed the existing CA")
	}

	// Only one file left over is enough to refuse.
	os.Remove(ca.KeyFile())
	if _, err := CreateCA(ca.Dir, CAOptions{}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("CreateCA over a lone ca.crt = %v; want an error wrapping fs.ErrExist", err)
	}

	forced, err := CreateCA(ca.Dir, CAOptions{Force: true})
	if err != nil {
		t.Fatalf("CreateCA with Force: %v", err)
	}
	if forced.Cert.Equal(ca.Cert) || readFile(t, ca.CertFile()) == oldCert {
		t.Errorf("CreateCA with Force did not replace the CA certificate")
	}
	if _, err := LoadCA(ca.Dir); err != nil {
		t.Errorf("LoadCA after Force: %v", err)
	}
	if diff := cmp.Diff([]string{CACertName, CAKeyName}, dirNames(t, ca.Dir)); diff != "" {
		t.Errorf("CreateCA with Force left other files (-want +got):\n%s", diff)
	}
}

func TestLoadCAErrors(t *testing.T) {
	testHome(t)
	now := time.Now()
	a, b := testCA(t, now), testCA(t, now)
	leaf, err := a.Issue(Request{Now: now})
	if err != nil {
		t.Fatal(err)
	}

	// Each case builds a CA folder from pieces and names what LoadCA must say.
	type loadTest struct {
		name       string
		cert, key  string // file contents; "" means the file is absent
		wantIs     error
		wantSubstr string
	}
	tests := []loadTest{
		{name: "key of another CA", cert: readFile(t, a.CertFile()), key: readFile(t, b.KeyFile()),
			wantIs: ErrKeyMismatch, wantSubstr: "does not belong to"},
		{name: "no key", cert: readFile(t, a.CertFile()), wantIs: fs.ErrNotExist, wantSubstr: "CA key"},
		{name: "no certificate", key: readFile(t, a.KeyFile()), wantIs: fs.ErrNotExist, wantSubstr: "CA certificate"},
		{name: "a server certificate", cert: string(leaf.CertPEM), key: string(leaf.KeyPEM), wantSubstr: "is not a CA certificate"},
		{name: "not PEM", cert: "hello", key: readFile(t, a.KeyFile()), wantSubstr: "no PEM block"},
		{name: "key swapped for certificate", cert: readFile(t, a.CertFile()), key: readFile(t, a.CertFile()), wantSubstr: "not a private key"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if tt.cert != "" {
			os.WriteFile(filepath.Join(dir, CACertName), []byte(tt.cert), 0o644)
		}
		if tt.key != "" {
			os.WriteFile(filepath.Join(dir, CAKeyName), []byte(tt.key), 0o600)
		}
		_, err := LoadCA(dir)
		if err == nil || !strings.Contains(err.Error(), tt.wantSubstr) || tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
			t.Errorf("%s: LoadCA = %v; want an error containing %q (wrapping %v)", tt.name, err, tt.wantSubstr, tt.wantIs)
		}
	}
}

func TestCAExists(t *testing.T) {
	testHome(t)
	ca := testCA(t, time.Now())
	if ok, err := CAExists(ca.Dir); !ok || err != nil {
		t.Errorf("CAExists(complete CA) = %v, %v; want true, nil", ok, err)
	}
	if ok, err := CAExists(t.TempDir()); ok || err != nil {
		t.Errorf("CAExists(empty folder) = %v, %v; want false, nil", ok, err)
	}
	if ok, err := CAExists(filepath.Join(t.TempDir(), "nowhere")); ok || err != nil {
		t.Errorf("CAExists(missing folder) = %v, %v; want false, nil", ok, err)
	}
	os.Remove(ca.CertFile())
	if ok, err := CAExists(ca.Dir); ok || err == nil || !strings.Contains(err.Error(), "incomplete CA") {
		t.Errorf("CAExists(key only) = %v, %v; want false and an incomplete-CA error", ok, err)
	}
}

func TestCAPrintsNoKey(t *testing.T) {
	testHome(t)
	ca := testCA(t, time.Now())
	keyPEM := readFile(t, ca.KeyFile())
	out := fmt.Sprintf("%v %+v %#v %s", ca, ca, ca, ca)
	// A PEM line of the key, or the key's base64 body, must not appear.
	body := strings.Split(keyPEM, "\n")[1]
	d := ca.key.(*ecdsa.PrivateKey).D.String() // the secret scalar, in decimal
	if strings.Contains(out, body) || strings.Contains(out, d) || strings.Contains(out, "D:") {
		t.Errorf("formatting a CA shows its key: %s", out)
	}
	if !strings.Contains(out, ca.Dir) {
		t.Errorf("formatting a CA = %q; want it to name the folder %q", out, ca.Dir)
	}
}
