package cgihost_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liso/shared/cgihost"
)

// TestCheck: Check says, before the first request, why a script could
// not run, in words that point at the fix; a script that can run passes.
func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		text    string // the script; "" makes no file
		mode    os.FileMode
		wantErr string // "" for none
	}{
		{"runs", "#!/bin/sh\necho\n", 0o755, ""},
		{"runs, with an argument", "#!/bin/sh -e\necho\n", 0o755, ""},
		{"no #! line (a binary would do)", "\x7fELF", 0o755, ""},
		{"missing", "", 0, "no such file or directory"},
		{"not executable", "#!/bin/sh\necho\n", 0o644, "is not executable (chmod +x)"},
		{"Windows line ends", "#!/bin/sh\r\necho\r\n", 0o755, `carriage return (Windows line ends), so the interpreter it names is "/bin/sh\r"`},
		{"Windows line ends after an argument", "#!/bin/sh -e\r\necho\r\n", 0o755, "carriage return"},
		{"interpreter not installed", "#!/usr/bin/python9\n", 0o755, "the interpreter its #! line names, /usr/bin/python9, does not exist"},
		{"empty #! line", "#!\n", 0o755, "names no interpreter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "script.cgi")
			if tt.text != "" {
				if err := os.WriteFile(path, []byte(tt.text), tt.mode); err != nil {
					t.Fatal(err)
				}
			}
			err := (&cgihost.Handler{Script: path}).Check()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check() = %v; want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check() = %v; want an error saying %q", err, tt.wantErr)
			}
		})
	}
}
