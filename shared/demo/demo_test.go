package demo_test

import (
	"os"
	"path/filepath"
	"testing"

	"liso/shared/demo"
)

func TestWriteSite(t *testing.T) {
	dir, err := demo.WriteSite()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, name := range []string{"index.html", "style.css", "images/liso.png", "images/noise.bin"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("demo site lacks %s: %v", name, err)
			continue
		}
		if st.Size() == 0 {
			t.Errorf("demo file %s is empty", name)
		}
	}
}
