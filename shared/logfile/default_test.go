package logfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"liso/shared/logfile"
)

func TestDefaultPath(t *testing.T) {
	home := t.TempDir()
	for _, tt := range []struct {
		name, state, want string
	}{
		{"XDG_STATE_HOME set", "/var/state", "/var/state/liso/lisod.log"},
		{"XDG_STATE_HOME relative: ignored", "state", filepath.Join(home, ".local/state/liso/lisod.log")},
		{"XDG_STATE_HOME unset", "", filepath.Join(home, ".local/state/liso/lisod.log")},
	} {
		t.Setenv("HOME", home)
		t.Setenv("XDG_STATE_HOME", tt.state)
		if got, err := logfile.DefaultPath(); err != nil || got != tt.want {
			t.Errorf("%s: DefaultPath() = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestMakeDirThenOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "liso", "lisod.log")
	if _, err := logfile.Open(path, nil); err == nil {
		t.Fatal("Open created a missing folder; it must not")
	}
	if err := logfile.MakeDir(path); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("MakeDir: %v, %v; want a folder of mode 0700", st, err)
	}
	f, err := logfile.Open(path, nil)
	if err != nil {
		t.Fatalf("Open after MakeDir: %v", err)
	}
	f.Close()
}
