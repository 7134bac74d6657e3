//go:build exercises

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// entityTagRE is RFC 9110 8.8.3's entity-tag: an optional W/, then a
// quoted string of etagc characters.
var entityTagRE = regexp.MustCompile(`^(W/)?"[\x21\x23-\x7e\x80-\xff]*"$`)

type etagTest struct {
	name   string
	method string
	fields func(etag string) map[string]string
	status int
}

var etagTests = []etagTest{
	{"the same tag", "GET", func(e string) map[string]string { return map[string]string{"If-None-Match": e} }, 304},
	{"the same tag, HEAD", "HEAD", func(e string) map[string]string { return map[string]string{"If-None-Match": e} }, 304},
	{"another tag", "GET", func(string) map[string]string { return map[string]string{"If-None-Match": `"not-this-one"`} }, 200},
	{"a list holding the tag", "GET", func(e string) map[string]string {
		return map[string]string{"If-None-Match": `"not-this-one", ` + e}
	}, 304},
	{"any tag (*)", "GET", func(string) map[string]string { return map[string]string{"If-None-Match": "*"} }, 304},
	// If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
	{"the weak form of the tag", "GET", func(e string) map[string]string {
		return map[string]string{"If-None-Match": "W/" + strings.TrimPrefix(e, "W/")}
	}, 304},
	// When both are sent, If-None-Match decides (RFC 9110 13.2.2).
	{"another tag, and If-Modified-Since in the future", "GET", func(string) map[string]string {
		return map[string]string{"If-None-Match": `"not-this-one"`, "If-Modified-Since": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}
	}, 200},
}

// Exercise 1: ETag and If-None-Match. Every file answer carries an ETag
// that changes when the file does; a GET or HEAD whose If-None-Match names
// the current tag gets 304 Not Modified. See docs/checkpoint2.md,
// "Exercises".
func TestExercise1ETag(t *testing.T) {
	const ex = "exercise 1 (ETag)"
	www := t.TempDir()
	page := filepath.Join(www, "page.html")
	if err := os.WriteFile(page, []byte("<p>first version</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := exStart(t, ex, "--bind", "127.0.0.1", "--www-folder", www, "0")
	url := base + "/page.html"

	resp, _ := exDo(t, "GET", url, nil)
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatalf("%s: GET /page.html has no ETag header; want an entity tag such as \"65a1f0c2-15\" (RFC 9110 8.8.3)", ex)
	}
	if !entityTagRE.MatchString(etag) {
		t.Fatalf("%s: ETag: %s is not an entity tag; want a quoted string, \"...\" or W/\"...\"", ex, etag)
	}

	for _, tt := range etagTests {
		fields := tt.fields(etag)
		resp, body := exDo(t, tt.method, url, fields)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %s with %q = %d; want %d (%s)", ex, tt.method, fields, resp.StatusCode, tt.status, tt.name)
			continue
		}
		if tt.status == 304 && (body != "" || resp.Header.Get("ETag") != etag) {
			t.Errorf("%s: %s with %q: a 304 has no body and the current ETag; got body %q and ETag %q (%s)",
				ex, tt.method, fields, body, resp.Header.Get("ETag"), tt.name)
		}
	}

	// A changed file has a new tag: the old one no longer matches.
	if err := os.WriteFile(page, []byte("<p>second, longer version</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(page, later, later); err != nil {
		t.Fatal(err)
	}
	resp, body := exDo(t, "GET", url, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 200 || !strings.Contains(body, "second") {
		t.Fatalf("%s: after the file changed, GET with the old tag = %d %q; want 200 and the new content", ex, resp.StatusCode, body)
	}
	if got := resp.Header.Get("ETag"); got == etag || !entityTagRE.MatchString(got) {
		t.Errorf("%s: after the file changed, ETag: %s; want a new entity tag, not %s", ex, got, etag)
	}
}
