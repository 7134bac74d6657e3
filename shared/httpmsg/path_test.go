package httpmsg_test

import (
	"net/url"
	"path"
	"strings"
	"testing"

	"liso/shared/httpmsg"
)

type decodePathTest struct {
	raw  string
	want string
	ok   bool
}

// decodePathTests is DecodePath's rule, case by case.
var decodePathTests = []decodePathTest{
	{"/", "/", true},
	{"/index.html", "/index.html", true},
	{"/a%20b", "/a b", true},
	{"/a%2Fb", "/a/b", true}, // %2F is a '/', as in net/http's URL.Path
	{"/a%2fb", "/a/b", true},
	{"/a+b", "/a+b", true}, // '+' is a space only in a form-encoded query
	{"/a%2Bb", "/a+b", true},
	{"/%2e%2E/x", "/x", true}, // decoded, then cleaned: ".." stays at the top
	{"/cgi/../index.html", "/index.html", true},
	{"/a/./b//c/", "/a/b/c/", true},
	{"/a/b/..", "/a", true},
	{"/a/", "/a/", true},
	{"//", "/", true},
	{"*", "*", true},
	{"/%252e", "/%2e", true}, // decoded once, not twice
	{"/caf%c3%A9", "/caf\xc3\xa9", true},
	{"/%c0%ae", "/\xc0\xae", true}, // any byte: the handler decides
	{"/a%0Ab", "/a\nb", true},
	{"/a%00b", "/a\x00b", true},
	{"", "", true},
	{"/a%zz", "", false},
	{"/a%2", "", false},
	{"/a%", "", false},
	{"/%%41", "", false},
	{"/%u002e", "", false},
	{"/a%2g", "", false},
}

func TestDecodePath(t *testing.T) {
	for _, tt := range decodePathTests {
		got, err := httpmsg.DecodePath(tt.raw)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("DecodePath(%q) = %q, %v; want %q, ok %v", tt.raw, got, err, tt.want, tt.ok)
		}
		if err != nil && statusCode(err) != 400 {
			t.Errorf("DecodePath(%q) = %v; want a *StatusError with code 400", tt.raw, err)
		}
	}
}

// TestDecodePathNoAllocation: a path without escapes, nearly every path,
// is the raw string itself.
func TestDecodePathNoAllocation(t *testing.T) {
	raw := "/images/logo.png"
	if n := testing.AllocsPerRun(100, func() { httpmsg.DecodePath(raw) }); n != 0 {
		t.Errorf("DecodePath(%q) allocates %v times; want 0", raw, n)
	}
}

// FuzzDecodePath checks DecodePath against url.PathUnescape, which has the
// same decoding rule (every %XX decoded, '+' kept, a malformed escape
// refused), followed by path.Clean with the trailing slash kept.
func FuzzDecodePath(f *testing.F) {
	for _, tt := range decodePathTests {
		f.Add(tt.raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := httpmsg.DecodePath(raw)
		want, stdErr := url.PathUnescape(raw)
		want = cleaned(want)
		switch {
		case (err == nil) != (stdErr == nil):
			t.Fatalf("DecodePath(%q) = %q, %v; url.PathUnescape gives %q, %v", raw, got, err, want, stdErr)
		case err == nil && got != want:
			t.Fatalf("DecodePath(%q) = %q; url.PathUnescape gives %q", raw, got, want)
		case err != nil && statusCode(err) != 400:
			t.Fatalf("DecodePath(%q) = %v; want a *StatusError with code 400", raw, err)
		case err == nil && !strings.Contains(raw, "%") && cleaned(raw) == raw && got != raw:
			t.Fatalf("DecodePath(%q) = %q; a clean path without escapes must stay as it is", raw, got)
		}
	})
}

// cleaned is path.Clean with a trailing slash kept, for absolute paths:
// the second half of DecodePath's rule, written with the standard library.
func cleaned(p string) string {
	if !strings.HasPrefix(p, "/") {
		return p
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}
