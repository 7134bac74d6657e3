package certs

import (
	"os"
	"path/filepath"
	"testing"
)

type homeTest struct {
	name                     string
	lisoHome, xdgHome, caDir string // environment; "" means unset
	wantHome, wantCA         string // relative to the fake $HOME or cwd, see below
}

// Paths starting with "~" are under the fake $HOME, with "." under the
// working folder; others are absolute.
var homeTests = []homeTest{
	{name: "nothing set", wantHome: "~/.local/share/liso", wantCA: "~/.local/share/liso/ca"},
	{name: "XDG_DATA_HOME", xdgHome: "/data", wantHome: "/data/liso", wantCA: "/data/liso/ca"},
	{name: "relative XDG_DATA_HOME is ignored", xdgHome: "data", wantHome: "~/.local/share/liso", wantCA: "~/.local/share/liso/ca"},
	{name: "LISO_HOME wins over XDG", lisoHome: "/srv/liso", xdgHome: "/data", wantHome: "/srv/liso", wantCA: "/srv/liso/ca"},
	{name: "relative LISO_HOME is made absolute", lisoHome: "mine", wantHome: "./mine", wantCA: "./mine/ca"},
	{name: "LISO_CA_DIR moves only the CA", lisoHome: "/srv/liso", caDir: "/keys/ca", wantHome: "/srv/liso", wantCA: "/keys/ca"},
}

func TestDefaultHome(t *testing.T) {
	fakeHome := t.TempDir()
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	expand := func(p string) string {
		switch {
		case p[0] == '~':
			return filepath.Join(fakeHome, p[1:])
		case p[0] == '.':
			return filepath.Join(cwd, p[1:])
		}
		return p
	}
	for _, tt := range homeTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", fakeHome)
			t.Setenv(EnvHome, tt.lisoHome)
			t.Setenv("XDG_DATA_HOME", tt.xdgHome)
			t.Setenv(EnvCADir, tt.caDir)
			home, err := DefaultHome()
			if err != nil {
				t.Fatalf("DefaultHome() error: %v", err)
			}
			if want := expand(tt.wantHome); home != want {
				t.Errorf("DefaultHome() = %q; want %q", home, want)
			}
			if got, want := CADir(home), expand(tt.wantCA); got != want {
				t.Errorf("CADir(%q) = %q; want %q", home, got, want)
			}
		})
	}
}

func TestServerPaths(t *testing.T) {
	if got, want := ServerKeyPath("/h"), "/h/server.key"; got != want {
		t.Errorf("ServerKeyPath(%q) = %q; want %q", "/h", got, want)
	}
	if got, want := ServerCertPath("/h"), "/h/server.crt"; got != want {
		t.Errorf("ServerCertPath(%q) = %q; want %q", "/h", got, want)
	}
}
