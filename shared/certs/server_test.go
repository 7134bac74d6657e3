package certs

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type serverPairTest struct {
	name       string
	key, cert  string // the arguments; "" is not given
	again      bool   // the development pair was issued by an earlier run
	wantKey    string // "~" stands for the test's home folder
	wantCert   string
	wantIssued string // IssuedLine
	wantTrust  string // TrustLine for port 8443
	wantErr    error
}

const (
	issuedLine = "lisod: issued a development certificate for localhost (~/server.crt)\n"
	trustLine  = "lisod: clients trust it through the CA ~/ca/ca.crt (curl --cacert ~/ca/ca.crt https://localhost:8443/)\n"
)

var serverPairTests = []serverPairTest{
	{name: "both given", key: "/etc/lisod/server.key", cert: "/etc/lisod/server.crt",
		wantKey: "/etc/lisod/server.key", wantCert: "/etc/lisod/server.crt"},
	{name: "only the key", key: "server.key", wantErr: errHalfPair},
	{name: "only the certificate", cert: "server.crt", wantErr: errHalfPair},
	{name: "neither, first run", wantKey: "~/server.key", wantCert: "~/server.crt",
		wantIssued: issuedLine, wantTrust: trustLine},
	{name: "neither, again", again: true, wantKey: "~/server.key", wantCert: "~/server.crt",
		wantTrust: trustLine},
}

func TestEnsureServerPair(t *testing.T) {
	now := time.Now()
	https := &net.TCPAddr{IP: net.IPv6zero, Port: 8443}
	for _, tt := range serverPairTests {
		t.Run(tt.name, func(t *testing.T) {
			home := testHome(t)
			inHome := func(s string) string { return strings.ReplaceAll(s, "~", home) }
			if tt.again {
				if _, err := EnsureDevPair(home, now); err != nil {
					t.Fatal(err)
				}
			}
			p, err := EnsureServerPair(tt.key, tt.cert, now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("EnsureServerPair(%q, %q) = %v; want %v", tt.key, tt.cert, err, tt.wantErr)
			}
			if p.KeyFile != inHome(tt.wantKey) || p.CertFile != inHome(tt.wantCert) {
				t.Errorf("EnsureServerPair(%q, %q) = %s, %s; want %s, %s",
					tt.key, tt.cert, p.KeyFile, p.CertFile, inHome(tt.wantKey), inHome(tt.wantCert))
			}
			if got := p.IssuedLine(); got != inHome(tt.wantIssued) {
				t.Errorf("IssuedLine() = %q; want %q", got, inHome(tt.wantIssued))
			}
			if got := p.TrustLine(https); got != inHome(tt.wantTrust) {
				t.Errorf("TrustLine(%v) = %q; want %q", https, got, inHome(tt.wantTrust))
			}
			// Only the development pair touches the home folder.
			_, err = os.Stat(filepath.Join(home, CADirName))
			if dev := tt.wantTrust != ""; dev == os.IsNotExist(err) {
				t.Errorf("development pair %v, but the CA folder: %v", dev, err)
			}
		})
	}
}

// TrustLine names port 0 when the address is not a TCP one.
func TestTrustLineOtherAddress(t *testing.T) {
	p := ServerPair{Dev: &DevPair{CAFile: "/ca.crt"}}
	want := "lisod: clients trust it through the CA /ca.crt (curl --cacert /ca.crt https://localhost:0/)\n"
	if got := p.TrustLine(&net.UnixAddr{Name: "/run/lisod.sock"}); got != want {
		t.Errorf("TrustLine(unix address) = %q; want %q", got, want)
	}
}

func TestPrivateKeyAndCertificateHelp(t *testing.T) {
	for _, tt := range []struct {
		name              string
		lisoHome          string // "" leaves no home folder to find
		wantKey, wantCert string
	}{
		{"a home folder", "/srv/liso", "the development key /srv/liso/server.key, created on first use",
			"the development certificate /srv/liso/server.crt, issued on first use by the local CA in /srv/liso/ca; see tools/certgen"},
		{"no home folder", "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvHome, tt.lisoHome)
			t.Setenv(EnvCADir, "")
			t.Setenv("XDG_DATA_HOME", "")
			t.Setenv("HOME", "") // os.UserHomeDir fails without it
			if got := PrivateKeyHelp(); got != tt.wantKey {
				t.Errorf("PrivateKeyHelp() = %q; want %q", got, tt.wantKey)
			}
			if got := CertificateHelp(); got != tt.wantCert {
				t.Errorf("CertificateHelp() = %q; want %q", got, tt.wantCert)
			}
		})
	}
}
