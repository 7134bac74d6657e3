package certs

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testHome points every Liso variable at a fresh temporary folder, so no
// test ever reads or writes the real per-user data folder.
func testHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv(EnvHome, home)
	t.Setenv(EnvCADir, "")
	t.Setenv("XDG_DATA_HOME", "")
	return home
}

// testCA creates an ECDSA CA in a fresh folder.
func testCA(t *testing.T, now time.Time) *CA {
	t.Helper()
	ca, err := CreateCA(filepath.Join(t.TempDir(), "ca"), CAOptions{Now: now})
	if err != nil {
		t.Fatalf("CreateCA: %v", err)
	}
	return ca
}

// fileMode returns the permission bits of path.
func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// readFile returns the contents of path, or "<missing>" if it does not exist.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return "<missing>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dirNames lists the names in dir, to spot leftover temporary files.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// rootsOf returns a pool holding only ca's certificate.
func rootsOf(ca *CA) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}
