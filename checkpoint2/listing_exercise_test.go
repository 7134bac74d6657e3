//go:build exercises

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Exercise 2: a directory listing. A request for a folder that has no
// index.html gets an HTML page with a link to each entry (folders with a
// trailing slash), names escaped for HTML and for URLs. See
// docs/checkpoint2.md, "Exercises".
func TestExercise2DirectoryListing(t *testing.T) {
	const ex = "exercise 2 (directory listing)"
	www := t.TempDir()
	for name, text := range map[string]string{
		"files/a.txt":         "a",
		"files/b c.txt":       "b",
		"files/<x>.txt":       "x",
		"files/sub/inner.txt": "inner",
		"site/index.html":     "<p>the index wins</p>",
	} {
		p := filepath.Join(www, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := exStart(t, ex, "--bind", "127.0.0.1", "--www-folder", www, "0")

	resp, body := exDo(t, "GET", base+"/files/", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: GET /files/ (a folder without index.html) = %d; want 200 and a listing", ex, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: the listing's Content-Type is %q; want text/html", ex, ct)
	}
	for _, want := range []string{`href="a.txt"`, `href="b%20c.txt"`, `href="sub/"`, "&lt;x&gt;.txt"} {
		if !strings.Contains(body, want) {
			t.Errorf("%s: the listing of /files/ lacks %s; it is:\n%s", ex, want, body)
		}
	}
	for _, unwanted := range []string{"<x>", "inner.txt"} {
		if strings.Contains(body, unwanted) {
			t.Errorf("%s: the listing of /files/ contains %q (names must be escaped; only the folder's own entries are listed):\n%s", ex, unwanted, body)
		}
	}

	if resp, body := exDo(t, "HEAD", base+"/files/", nil); resp.StatusCode != 200 || body != "" {
		t.Errorf("%s: HEAD /files/ = %d with a %d-byte body; want 200 and no body", ex, resp.StatusCode, len(body))
	}
	if resp, body := exDo(t, "GET", base+"/site/", nil); resp.StatusCode != 200 || body != "<p>the index wins</p>" {
		t.Errorf("%s: GET /site/ = %d %q; a folder with an index.html still serves it", ex, resp.StatusCode, body)
	}
	if resp, _ := exDo(t, "GET", base+"/files", nil); resp.StatusCode != 301 {
		t.Errorf("%s: GET /files = %d; a folder named without its slash is still redirected (301)", ex, resp.StatusCode)
	}
}
