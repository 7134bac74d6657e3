package certs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type writeTest struct {
	name       string
	old        map[string]string // files present before; a value "/" makes a folder
	replace    bool
	failRename int    // make the n-th rename (1-based) fail; 0 for none
	wantErr    string // "" for success
	want       map[string]string
}

// The group written is always a.key = "new key" (0600), a.crt = "new cert" (0644).
var writeTests = []writeTest{
	{
		name: "new files",
		want: map[string]string{"a.key": "new key", "a.crt": "new cert"},
	},
	{
		name:    "refuses to overwrite",
		old:     map[string]string{"a.crt": "old cert"},
		wantErr: "a.crt: file already exists",
		want:    map[string]string{"a.crt": "old cert"},
	},
	{
		name:    "replace",
		old:     map[string]string{"a.key": "old key", "a.crt": "old cert"},
		replace: true,
		want:    map[string]string{"a.key": "new key", "a.crt": "new cert"},
	},
	{
		name:    "a folder in the way",
		old:     map[string]string{"a.key": "old key", "a.crt": "/"},
		replace: true,
		wantErr: "a.crt: is a folder",
		want:    map[string]string{"a.key": "old key", "a.crt": "/"},
	},
	{
		name:       "second rename fails: old pair restored",
		old:        map[string]string{"a.key": "old key", "a.crt": "old cert"},
		replace:    true,
		failRename: 2,
		wantErr:    "a.crt: injected",
		want:       map[string]string{"a.key": "old key", "a.crt": "old cert"},
	},
	{
		name:       "second rename fails: no half-written new pair",
		failRename: 2,
		wantErr:    "a.crt: injected",
		want:       map[string]string{},
	},
	{
		name:       "first rename fails",
		old:        map[string]string{"a.key": "old key", "a.crt": "old cert"},
		replace:    true,
		failRename: 1,
		wantErr:    "a.key: injected",
		want:       map[string]string{"a.key": "old key", "a.crt": "old cert"},
	},
}

func TestWriteFiles(t *testing.T) {
	for _, tt := range writeTests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.old {
				p := filepath.Join(dir, name)
				if content == "/" {
					os.Mkdir(p, 0o755)
				} else {
					os.WriteFile(p, []byte(content), 0o644)
				}
			}
			if tt.failRename > 0 {
				n := 0
				renameFile = func(from, to string) error {
					// Only renames of new files count; undoing uses the same
					// function and must work.
					if strings.Contains(from, ".tmp-") {
						n++
						if n == tt.failRename {
							return errors.New("injected")
						}
					}
					return os.Rename(from, to)
				}
				defer func() { renameFile = os.Rename }()
			}
			err := writeFiles([]fileWrite{
				{path: filepath.Join(dir, "a.key"), data: []byte("new key"), perm: 0o600},
				{path: filepath.Join(dir, "a.crt"), data: []byte("new cert"), perm: 0o644},
			}, tt.replace)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("writeFiles = %v; want error containing %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, dirContents(t, dir)); diff != "" {
				t.Errorf("files after writeFiles (-want +got):\n%s", diff)
			}
			if err == nil {
				if got := fileMode(t, filepath.Join(dir, "a.key")); got != 0o600 {
					t.Errorf("key mode = %v; want 0600", got)
				}
				if got := fileMode(t, filepath.Join(dir, "a.crt")); got != 0o644 {
					t.Errorf("certificate mode = %v; want 0644", got)
				}
			}
		})
	}
}

// dirContents maps each entry of dir to its contents ("/" for a folder).
// Leftover temporary or backup files show up here too.
func dirContents(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := make(map[string]string)
	for _, name := range dirNames(t, dir) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			got[name] = "/"
			continue
		}
		got[name] = readFile(t, p)
	}
	return got
}

func TestWriteFilesUnwritable(t *testing.T) {
	dir := t.TempDir()
	// A path through a regular file fails even for root, so this case runs
	// everywhere (CI runs as root).
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o644)
	err := writeFiles([]fileWrite{{path: filepath.Join(notDir, "a.key"), data: []byte("k"), perm: 0o600}}, false)
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("writeFiles under a regular file = %v; want a not-a-directory error", err)
	}
	if diff := cmp.Diff(map[string]string{"file": ""}, dirContents(t, dir)); diff != "" {
		t.Errorf("files after a failed writeFiles (-want +got):\n%s", diff)
	}

	t.Run("read-only folder", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores folder permissions; the case above covers this path")
		}
		ro := t.TempDir()
		os.Chmod(ro, 0o500)
		defer os.Chmod(ro, 0o700)
		err := writeFiles([]fileWrite{{path: filepath.Join(ro, "a.key"), data: []byte("k"), perm: 0o600}}, false)
		if !errors.Is(err, fs.ErrPermission) {
			t.Errorf("writeFiles in a read-only folder = %v; want fs.ErrPermission", err)
		}
	})
}
