package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// opensslPath finds the openssl command line tool. Without it the test is
// skipped, except in CI (CI=true), where .ci/run installs it and its
// absence is a failure.
func opensslPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("openssl not found in CI: %v", err)
		}
		t.Skipf("openssl not found (install the Debian package openssl): %v", err)
	}
	return p
}

type opensslTest struct {
	name    string
	args    []string // openssl arguments; CA, CERT and KEY are replaced by paths
	wantOK  bool
	wantOut string // a piece of the combined output
}

var opensslTests = []opensslTest{
	{name: "chain, as a TLS server", args: []string{"verify", "-CAfile", "CA", "-purpose", "sslserver", "CERT"}, wantOK: true, wantOut: "CERT: OK"},
	{name: "localhost", args: []string{"verify", "-CAfile", "CA", "-verify_hostname", "localhost", "CERT"}, wantOK: true, wantOut: "OK"},
	{name: "127.0.0.1", args: []string{"verify", "-CAfile", "CA", "-verify_ip", "127.0.0.1", "CERT"}, wantOK: true, wantOut: "OK"},
	{name: "::1", args: []string{"verify", "-CAfile", "CA", "-verify_ip", "::1", "CERT"}, wantOK: true, wantOut: "OK"},
	{name: "a name not covered", args: []string{"verify", "-CAfile", "CA", "-verify_hostname", "example.test", "CERT"}, wantOut: "hostname mismatch"},
	{name: "without the CA", args: []string{"verify", "-no-CAfile", "-no-CApath", "CERT"}, wantOut: "unable to get local issuer certificate"},
	{name: "the key reads back", args: []string{"pkey", "-in", "KEY", "-noout"}, wantOK: true},
	{name: "the CA key checks out", args: []string{"pkey", "-in", "CAKEY", "-check", "-noout"}, wantOK: true, wantOut: "valid"},
}

// TestOpenSSL checks certgen's files with the openssl command line tool,
// once with the default ECDSA key and once with RSA (the only RSA key this
// package generates: slow under -race).
func TestOpenSSL(t *testing.T) {
	openssl := opensslPath(t)
	for _, keyType := range []string{"ecdsa", "rsa2048"} {
		t.Run(keyType, func(t *testing.T) {
			home := testHome(t)
			mustCertgen(t, "issue", "--key-type", keyType)
			paths := map[string]string{
				"CA":    filepath.Join(home, "ca", "ca.crt"),
				"CAKEY": filepath.Join(home, "ca", "ca.key"),
				"CERT":  filepath.Join(home, "server.crt"),
				"KEY":   filepath.Join(home, "server.key"),
			}
			for _, tt := range opensslTests {
				args := make([]string, len(tt.args))
				for i, a := range tt.args {
					if p, ok := paths[a]; ok {
						a = p
					}
					args[i] = a
				}
				out, err := exec.Command(openssl, args...).CombinedOutput()
				want := strings.ReplaceAll(tt.wantOut, "CERT", paths["CERT"])
				if (err == nil) != tt.wantOK || !strings.Contains(string(out), want) {
					t.Errorf("%s: openssl %s = %v, output:\n%s\nwant success %v and output containing %q",
						tt.name, strings.Join(args, " "), err, out, tt.wantOK, want)
				}
			}
		})
	}
}
