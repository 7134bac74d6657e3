package certs

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestEnsureDevPairCreatesThenReuses(t *testing.T) {
	home := testHome(t)
	now := time.Now()
	d, err := EnsureDevPair(home, now)
	if err != nil {
		t.Fatalf("EnsureDevPair (first): %v", err)
	}
	want := DevPair{
		KeyFile:   filepath.Join(home, "server.key"),
		CertFile:  filepath.Join(home, "server.crt"),
		CAFile:    filepath.Join(home, "ca", "ca.crt"),
		CreatedCA: true,
		Issued:    true,
		Reason:    errNoPair.Error(),
	}
	if diff := cmp.Diff(want, d, cmpopts.IgnoreFields(DevPair{}, "NotAfter")); diff != "" {
		t.Errorf("EnsureDevPair (first) (-want +got):\n%s", diff)
	}
	if !d.Created() {
		t.Errorf("DevPair.Created() = false after creating a CA and a pair")
	}
	if got := fileMode(t, d.KeyFile); got != 0o600 {
		t.Errorf("server key mode = %v; want 0600", got)
	}
	// The files load the way lisod loads them.
	if _, err := tls.LoadX509KeyPair(d.CertFile, d.KeyFile); err != nil {
		t.Errorf("tls.LoadX509KeyPair: %v", err)
	}
	cert := readFile(t, d.CertFile)

	again, err := EnsureDevPair(home, now.Add(time.Hour))
	if err != nil {
		t.Fatalf("EnsureDevPair (second): %v", err)
	}
	want.CreatedCA, want.Issued, want.Reason, want.NotAfter = false, false, "", d.NotAfter
	if diff := cmp.Diff(want, again); diff != "" {
		t.Errorf("EnsureDevPair (second) (-want +got):\n%s", diff)
	}
	if again.Created() || readFile(t, d.CertFile) != cert {
		t.Errorf("EnsureDevPair replaced a valid pair")
	}
}

type reissueTest struct {
	name       string
	spoil      func(t *testing.T, home string) // breaks the pair made by a first call
	later      time.Duration                   // when the second call runs
	wantReason string
}

var reissueTests = []reissueTest{
	{
		name:       "certificate deleted",
		spoil:      func(t *testing.T, home string) { os.Remove(ServerCertPath(home)) },
		wantReason: "no such file",
	},
	{
		name: "key of another pair",
		spoil: func(t *testing.T, home string) {
			ca, err := LoadCA(CADir(home))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ca.Issue(Request{})
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(ServerKeyPath(home), p.KeyPEM, 0o600)
		},
		wantReason: "private key does not match public key",
	},
	{
		name: "signed by another CA",
		spoil: func(t *testing.T, home string) {
			p, err := testCA(t, time.Now()).Issue(Request{})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Write(ServerKeyPath(home), ServerCertPath(home), true); err != nil {
				t.Fatal(err)
			}
		},
		wantReason: "unknown authority",
	},
	{
		name: "does not cover ::1",
		spoil: func(t *testing.T, home string) {
			ca, err := LoadCA(CADir(home))
			if err != nil {
				t.Fatal(err)
			}
			p, err := ca.Issue(Request{Names: []string{"localhost", "127.0.0.1"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Write(ServerKeyPath(home), ServerCertPath(home), true); err != nil {
				t.Fatal(err)
			}
		},
		wantReason: "not ::1",
	},
	{
		name:       "expires within a week",
		spoil:      func(t *testing.T, home string) {},
		later:      (MaxDays - 6) * 24 * time.Hour,
		wantReason: "expired",
	},
}

func TestEnsureDevPairReissues(t *testing.T) {
	for _, tt := range reissueTests {
		t.Run(tt.name, func(t *testing.T) {
			home := testHome(t)
			now := time.Now()
			if _, err := EnsureDevPair(home, now); err != nil {
				t.Fatal(err)
			}
			caCert := readFile(t, filepath.Join(CADir(home), CACertName))
			tt.spoil(t, home)

			d, err := EnsureDevPair(home, now.Add(tt.later))
			if err != nil {
				t.Fatalf("EnsureDevPair: %v", err)
			}
			if !d.Issued || d.CreatedCA || !strings.Contains(d.Reason, tt.wantReason) {
				t.Errorf("EnsureDevPair = %+v; want Issued, not CreatedCA, Reason containing %q", d, tt.wantReason)
			}
			if readFile(t, d.CAFile) != caCert {
				t.Errorf("EnsureDevPair replaced the CA")
			}
			if _, err := checkPair(d.KeyFile, d.CertFile, d.CAFile, DefaultNames(), now.Add(tt.later)); err != nil {
				t.Errorf("the reissued pair does not check out: %v", err)
			}
		})
	}
}

func TestEnsureDevPairCAProblems(t *testing.T) {
	t.Run("incomplete CA", func(t *testing.T) {
		home := testHome(t)
		os.MkdirAll(CADir(home), 0o700)
		os.WriteFile(filepath.Join(CADir(home), CACertName), []byte("x"), 0o644)
		_, err := EnsureDevPair(home, time.Now())
		if err == nil || !strings.Contains(err.Error(), "incomplete CA") {
			t.Errorf("EnsureDevPair with only ca.crt = %v; want an incomplete-CA error", err)
		}
		if _, err := os.Stat(ServerKeyPath(home)); !os.IsNotExist(err) {
			t.Errorf("EnsureDevPair wrote a key despite the error")
		}
	})
	t.Run("CA expiring", func(t *testing.T) {
		home := testHome(t)
		now := time.Now()
		if _, err := CreateCA(CADir(home), CAOptions{Now: now.AddDate(-CAYears, 0, 3)}); err != nil {
			t.Fatal(err)
		}
		_, err := EnsureDevPair(home, now)
		if err == nil || !strings.Contains(err.Error(), "certgen ca --force") {
			t.Errorf("EnsureDevPair with a CA expiring in 3 days = %v; want advice to replace it", err)
		}
	})
	t.Run("LISO_CA_DIR", func(t *testing.T) {
		home := testHome(t)
		caDir := filepath.Join(t.TempDir(), "elsewhere")
		t.Setenv(EnvCADir, caDir)
		d, err := EnsureDevPair(home, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(caDir, CACertName); d.CAFile != want {
			t.Errorf("EnsureDevPair CAFile = %q; want %q", d.CAFile, want)
		}
		if _, err := os.Stat(filepath.Join(home, CADirName)); !os.IsNotExist(err) {
			t.Errorf("EnsureDevPair made %s despite %s", filepath.Join(home, CADirName), EnvCADir)
		}
	})
}

// TestEnsureDevPairUnwritableHome: a home folder that cannot be created
// (here, under a file) is reported with what to do about it.
func TestEnsureDevPairUnwritableHome(t *testing.T) {
	file := filepath.Join(testHome(t), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(file, "liso")
	_, err := EnsureDevPair(home, time.Now())
	want := "(the development certificate is kept in " + home + ": set LISO_HOME to a folder you can write, or give a private key and certificate)"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("EnsureDevPair(%s) = %v; want an error ending %q", home, err, want)
	}
}
