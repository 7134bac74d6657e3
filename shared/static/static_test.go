package static_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
	"liso/shared/lisotest"
	"liso/shared/static"
)

const hangGuard = 20 * time.Second

// serve runs the static handler for dir on 127.0.0.1 and returns its base URL.
func serve(t testing.TB, dir string) string {
	t.Helper()
	h, err := static.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	web := &httpconn.Server{Handler: h}
	return "http://" + lisotest.Serve(t, web)
}

var client = &http.Client{
	Timeout: hangGuard,
	// Redirects are answers to check, not to follow.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

type fileTest struct {
	method, path string
	header       map[string]string // request fields
	status       int
	contentType  string
	body         string // "" with wantFile: the file's bytes
	file         string // the body is this testdata file (whole or ranged)
	extra        map[string]string
}

func readTestdata(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("testdata/www", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var fileTests = []fileTest{
	{method: "GET", path: "/", status: 200, contentType: "text/html", file: "index.html"},
	{method: "GET", path: "/index.html", status: 200, contentType: "text/html", file: "index.html"},
	{method: "GET", path: "/style.css", status: 200, contentType: "text/css", file: "style.css"},
	{method: "GET", path: "/images/logo.png", status: 200, contentType: "image/png", file: "images/logo.png"},
	{method: "GET", path: "/images/x.gif", status: 200, contentType: "image/gif", file: "images/x.gif"},
	{method: "GET", path: "/images/photo.jpg", status: 200, contentType: "image/jpeg", file: "images/photo.jpg"},
	{method: "GET", path: "/data.bin", status: 200, contentType: "application/octet-stream", file: "data.bin"},
	{method: "GET", path: "/notes.txt", status: 200, contentType: "text/plain", file: "notes.txt"},
	{method: "GET", path: "/sub/", status: 200, contentType: "text/html", file: "sub/index.html"},
	{method: "GET", path: "/sub", status: 301, extra: map[string]string{"Location": "/sub/"}},
	{method: "GET", path: "/missing.html", status: 404},
	{method: "GET", path: "/index.html/", status: 404},
	{method: "GET", path: "/images/", status: 404}, // a folder without an index: no listing
	{method: "GET", path: "/st%79le.css", status: 200, contentType: "text/css", file: "style.css"},
	{method: "POST", path: "/index.html", status: 200, contentType: "text/html", file: "index.html"},
	{method: "GET", path: "/data.bin", header: map[string]string{"Range": "bytes=10-19"}, status: 206, file: "data.bin[10:20]",
		contentType: "application/octet-stream", extra: map[string]string{"Content-Range": "bytes 10-19/1000"}},
	{method: "GET", path: "/data.bin", header: map[string]string{"Range": "bytes=990-"}, status: 206, file: "data.bin[990:]",
		contentType: "application/octet-stream", extra: map[string]string{"Content-Range": "bytes 990-999/1000"}},
	{method: "GET", path: "/data.bin", header: map[string]string{"Range": "bytes=-5"}, status: 206, file: "data.bin[995:]",
		contentType: "application/octet-stream", extra: map[string]string{"Content-Range": "bytes 995-999/1000"}},
	{method: "GET", path: "/data.bin", header: map[string]string{"Range": "bytes=0-5000"}, status: 206, file: "data.bin[0:]",
		contentType: "application/octet-stream", extra: map[string]string{"Content-Range": "bytes 0-999/1000"}},
	{method: "GET", path: "/data.bin", header: map[string]string{"Range": "bytes=1000-"}, status: 416,
		extra: map[string]string{"Content-Range": "bytes */1000"}},
	{method: "GET", path: "/data.bin", header: map[string]string{"Range": "bytes=0-1,5-6"}, status: 200, // several ranges: whole file
		contentType: "application/octet-stream", file: "data.bin"},
	{method: "GET", path: "/data.bin", header: map[string]string{"Range": "lines=1-2"}, status: 200,
		contentType: "application/octet-stream", file: "data.bin"},
	{method: "GET", path: "/style.css", header: map[string]string{"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}, status: 304},
	{method: "GET", path: "/style.css", header: map[string]string{"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, status: 200,
		contentType: "text/css", file: "style.css"},
	{method: "GET", path: "/style.css", header: map[string]string{"If-Modified-Since": "garbage"}, status: 200,
		contentType: "text/css", file: "style.css"},
}

func TestFiles(t *testing.T) {
	base := serve(t, "testdata/www")
	for _, tt := range fileTests {
		name := fmt.Sprintf("%s %s %v", tt.method, tt.path, tt.header)
		t.Run(name, func(t *testing.T) {
			var body io.Reader
			if tt.method == "POST" {
				body = strings.NewReader("note=hello")
			}
			req, _ := http.NewRequest(tt.method, base+tt.path, body)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("%s = %d; want %d (body %q)", name, resp.StatusCode, tt.status, got)
			}
			if resp.Header.Get("Server") != "Liso/1.0" || resp.Header.Get("Date") == "" {
				t.Errorf("Server %q, Date %q; want Liso/1.0 and a date", resp.Header.Get("Server"), resp.Header.Get("Date"))
			}
			if tt.contentType != "" && resp.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type = %q; want %q", resp.Header.Get("Content-Type"), tt.contentType)
			}
			for k, v := range tt.extra {
				if resp.Header.Get(k) != v {
					t.Errorf("%s = %q; want %q", k, resp.Header.Get(k), v)
				}
			}
			if tt.file != "" {
				want := fileSlice(t, tt.file)
				if string(got) != want {
					t.Errorf("body is %d bytes, not the %d of %s", len(got), len(want), tt.file)
				}
				if resp.ContentLength != int64(len(want)) {
					t.Errorf("Content-Length = %d; want %d", resp.ContentLength, len(want))
				}
				if resp.Header.Get("Last-Modified") == "" {
					t.Error("no Last-Modified")
				}
			}
		})
	}
}

// fileSlice reads "name" or "name[a:b]" / "name[a:]" from testdata.
func fileSlice(t *testing.T, spec string) string {
	name, rng, ranged := strings.Cut(strings.TrimSuffix(spec, "]"), "[")
	data := readTestdata(t, name)
	if !ranged {
		return data
	}
	var a, b int
	if n, _ := fmt.Sscanf(rng, "%d:%d", &a, &b); n == 2 {
		return data[a:b]
	}
	return data[a:]
}

// TestHeadMatchesGet: HEAD sends the same fields as GET and no body.
func TestHeadMatchesGet(t *testing.T) {
	base := serve(t, "testdata/www")
	get, err := client.Get(base + "/images/logo.png")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, get.Body)
	get.Body.Close()
	head, err := client.Head(base + "/images/logo.png")
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	for _, k := range []string{"Content-Length", "Content-Type", "Last-Modified", "Server", "Connection", "Accept-Ranges"} {
		if get.Header.Get(k) != head.Header.Get(k) {
			t.Errorf("%s: GET %q, HEAD %q", k, get.Header.Get(k), head.Header.Get(k))
		}
	}
	if head.ContentLength != get.ContentLength {
		t.Errorf("HEAD Content-Length %d; GET %d", head.ContentLength, get.ContentLength)
	}
}

// TestLargeFileStreams sends a file larger than any buffer, byte-exact.
func TestLargeFileStreams(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 9<<20+123)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	base := serve(t, dir)
	resp, err := client.Get(base + "/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(data) {
		t.Fatalf("got %d bytes; want the file's %d, identical", len(got), len(data))
	}
}

// TestFolderRedirectEncoded: the Location of a folder's redirect is the
// path as the client sent it, still encoded, plus "/"; following it
// serves the folder's index.
func TestFolderRedirectEncoded(t *testing.T) {
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "my docs", "b"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "my docs", "index.html"), []byte("docs"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "my docs", "b", "index.html"), []byte("b"), 0o644))
	base := serve(t, dir)
	for _, tt := range []struct{ path, location, body string }{
		{"/my%20docs", "/my%20docs/", "docs"},
		{"/my%20docs%2Fb", "/my%20docs%2Fb/", "b"}, // %2F is a '/' (httpmsg.DecodePath)
		{"/my%20docs/./b", "/my%20docs/./b/", "b"},
	} {
		resp, err := client.Get(base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 301 || resp.Header.Get("Location") != tt.location {
			t.Errorf("GET %s = %d, Location %q; want 301, %q", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.location)
			continue
		}
		resp, err = client.Get(base + tt.location)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != tt.body {
			t.Errorf("GET %s = %d %q; want 200 %q", tt.location, resp.StatusCode, body, tt.body)
		}
	}
}

// TestFileChangesAreSeen: a rewritten file is served with its new bytes
// and length.
func TestFileChangesAreSeen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "page.html")
	base := serve(t, dir)
	for _, content := range []string{"first version", "second, longer version", "3rd"} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		resp, err := client.Get(base + "/page.html")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != content {
			t.Errorf("after rewriting: got %q; want %q", got, content)
		}
	}
}

// jail builds a www folder beside a secret file, with symbolic links that
// point out of it.
func jail(t *testing.T) (www string) {
	t.Helper()
	top := t.TempDir()
	www = filepath.Join(top, "www")
	must(t, os.MkdirAll(filepath.Join(www, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(top, "secret.txt"), []byte("TOP SECRET"), 0o644))
	must(t, os.WriteFile(filepath.Join(www, "index.html"), []byte("public"), 0o644))
	must(t, os.WriteFile(filepath.Join(www, "sub", "page.html"), []byte("public page"), 0o644))
	must(t, os.Symlink(filepath.Join(top, "secret.txt"), filepath.Join(www, "link-to-secret")))
	must(t, os.Symlink("../secret.txt", filepath.Join(www, "relative-link")))
	must(t, os.Symlink(top, filepath.Join(www, "link-to-top")))
	must(t, os.Symlink("/etc", filepath.Join(www, "etc")))
	must(t, os.Symlink("page.html", filepath.Join(www, "sub", "inside-link"))) // stays inside: allowed
	return www
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// jailPaths try to read the secret (or /etc/passwd) from outside the
// folder; each must fail without a trace of it.
var jailPaths = []string{
	"/../secret.txt",
	"/../../../../etc/passwd",
	"/sub/../../secret.txt",
	"/%2e%2e/secret.txt",
	"/%2E%2E/secret.txt",
	"/.%2e/secret.txt",
	"/..%2fsecret.txt",
	"/..%2Fsecret.txt",
	"/sub%2f..%2f..%2fsecret.txt",
	"/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
	"/..%5csecret.txt",
	"/..\\secret.txt",
	"/%c0%ae%c0%ae/secret.txt", // overlong UTF-8 for "."
	"/%c0%af../secret.txt",
	"/%uff0e%uff0e/secret.txt",
	"/link-to-secret",
	"/relative-link",
	"/link-to-top/secret.txt",
	"/etc/passwd",
	"/sub/..%00/secret.txt",
	"/secret.txt%00.html",
	"//secret.txt",
	"/./../secret.txt",
	"/%252e%252e/secret.txt", // double encoding: decoded once, names "%2e%2e"
}

func TestJail(t *testing.T) {
	www := jail(t)
	addr := strings.TrimPrefix(serve(t, www), "http://")
	for _, p := range jailPaths {
		t.Run(p, func(t *testing.T) {
			// Raw bytes: a client library would clean or re-encode the path.
			c, err := net.DialTimeout("tcp", addr, hangGuard)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(hangGuard))
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", p)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 404 && resp.StatusCode != 400 {
				t.Errorf("GET %s = %d; want 404 or 400", p, resp.StatusCode)
			}
			if strings.Contains(string(body), "SECRET") || strings.Contains(string(body), "root:") {
				t.Errorf("GET %s leaked a file from outside the folder: %q", p, body)
			}
			if strings.Contains(string(body), www) || strings.Contains(string(body), "escapes") {
				t.Errorf("GET %s shows internal details: %q", p, body)
			}
		})
	}
	// A link that stays inside the folder still works.
	resp, err := client.Get("http://" + addr + "/sub/inside-link")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "public page" {
		t.Errorf("inside link: %d %q; want 200 public page", resp.StatusCode, body)
	}
}

type cleanTest struct {
	in   string
	want string
	ok   bool
}

var cleanTests = []cleanTest{
	{"/", ".", true},
	{"/index.html", "index.html", true},
	{"/a/b/", "a/b/", true},
	{"/a//b", "a/b", true},
	{"/a/./b", "a/b", true},
	{"/../a", "a", true},
	{"/a/../../b", "b", true},
	{"/a b", "a b", true},
	{"/a+b", "a+b", true},
	// The path is decoded already (httpmsg.DecodePath): a '%' left in it
	// is part of a name ("/a%25zz" on the wire), not decoded again.
	{"/%2e%2e/a", "%2e%2e/a", true},
	{"/a%zz", "a%zz", true},
	{"/a\x00", "", false},
	{"/\x00/../a", "", false},
	{"a", "", false},
	{"", "", false},
	{"/..", ".", true},
	{"/../", ".", true},
}

func TestCleanPath(t *testing.T) {
	for _, tt := range cleanTests {
		got, ok := static.CleanPath(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CleanPath(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzCleanPath: whatever path a client sends, once decoded (as the
// parser does) and cleaned, an accepted path stays relative, has no ".."
// segment or NUL byte, and cleaning it again changes nothing. The corpus
// holds raw paths, escapes and all; each is also cleaned as it is, as a
// decoded path that happens to hold '%'.
func FuzzCleanPath(f *testing.F) {
	for _, tt := range cleanTests {
		f.Add(tt.in)
	}
	for _, p := range jailPaths {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkClean(t, in)
		if dec, err := httpmsg.DecodePath(in); err == nil {
			checkClean(t, dec)
		}
	})
}

// checkClean checks CleanPath's promises for one decoded path.
func checkClean(t *testing.T, in string) {
	t.Helper()
	got, ok := static.CleanPath(in)
	if !ok {
		return
	}
	if strings.HasPrefix(got, "/") || strings.ContainsRune(got, 0) {
		t.Fatalf("CleanPath(%q) = %q: absolute or has NUL", in, got)
	}
	for _, seg := range strings.Split(got, "/") {
		if seg == ".." {
			t.Fatalf("CleanPath(%q) = %q: has a .. segment", in, got)
		}
	}
	if got != "." {
		if diff := cmp.Diff(got, mustClean(t, "/"+got)); diff != "" {
			t.Fatalf("CleanPath(%q) cleaned again differs (-first +second):\n%s", in, diff)
		}
	}
}

func mustClean(t *testing.T, p string) string {
	got, ok := static.CleanPath(p)
	if !ok {
		return "<refused>"
	}
	return got
}
