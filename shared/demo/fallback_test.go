package demo_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liso/shared/demo"
)

// fallbackTest is one call of SiteIfNone or CGIScriptIfNone.
type fallbackTest struct {
	name     string
	fallback func(string) (string, func(), error)
	given    string // a file the test writes and passes; "" asks for the demo's
	inside   string // what must exist inside the result ("": the result itself)
}

var fallbackTests = []fallbackTest{
	{"site given", demo.SiteIfNone, "www/index.html", "index.html"},
	{"site not given", demo.SiteIfNone, "", "index.html"},
	{"script given", demo.CGIScriptIfNone, "app.cgi", ""},
	{"script not given", demo.CGIScriptIfNone, "", ""},
}

// TestFallbacks: a given path comes back unchanged and its remove leaves
// it alone; without one, the demo's files are written to a new temporary
// folder that remove deletes.
func TestFallbacks(t *testing.T) {
	for _, tt := range fallbackTests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp) // where os.MkdirTemp writes the demo
			given := ""
			if tt.given != "" {
				file := filepath.Join(tmp, tt.given)
				os.MkdirAll(filepath.Dir(file), 0o755)
				if err := os.WriteFile(file, []byte("mine"), 0o755); err != nil {
					t.Fatal(err)
				}
				given = strings.TrimSuffix(file, string(filepath.Separator)+tt.inside)
			}

			got, remove, err := tt.fallback(given)
			if err != nil {
				t.Fatalf("fallback(%q) = %v", given, err)
			}
			switch {
			case given != "" && got != given:
				t.Errorf("fallback(%q) = %q; want the path given", given, got)
			case given == "" && !strings.HasPrefix(got, tmp):
				t.Errorf("fallback(\"\") = %q; want it in the temporary folder %s", got, tmp)
			}
			if _, err := os.Stat(filepath.Join(got, tt.inside)); err != nil {
				t.Errorf("fallback(%q): %v", given, err)
			}

			remove()
			if _, err := os.Stat(got); given != "" && err != nil {
				t.Errorf("remove() deleted the path given: %v", err)
			}
			if entries, _ := os.ReadDir(tmp); given == "" && len(entries) != 0 {
				t.Errorf("remove() left %v in the temporary folder", entries)
			}
		})
	}
}
