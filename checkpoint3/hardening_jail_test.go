package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// hardJail writes the suite's site with traps in it: symbolic links that
// lead out of the www folder, a link loop, and links that stay inside. It
// returns the www folder; hardSecret lies beside it.
func hardJail(t *testing.T) string {
	t.Helper()
	www := hardSite(t)
	top := filepath.Dir(www)
	for link, target := range map[string]string{
		"link-to-secret":  filepath.Join(top, "secret.txt"),
		"relative-link":   "../secret.txt",
		"link-to-top":     top,
		"etc":             "/etc",
		"sub/up":          "../..",
		"loop-a":          "loop-b",
		"loop-b":          "loop-a",
		"sub/inside-link": "page.html", // stays inside: allowed
	} {
		hardMust(t, os.Symlink(target, filepath.Join(www, link)))
	}
	return www
}

// jailTests are request targets that try to read hardSecret (or
// /etc/passwd) from outside the www folder; each names the trick.
var jailTests = []struct{ target, trick string }{
	{"/../secret.txt", "dot-dot"},
	{"/../../../../../../etc/passwd", "dot-dot to the root"},
	{"/sub/../../secret.txt", "dot-dot after a folder"},
	{"/./../secret.txt", "dot then dot-dot"},
	{"//../secret.txt", "empty segment then dot-dot"},
	{"/index.html/../../secret.txt", "dot-dot after a file"},
	{"/%2e%2e/secret.txt", "encoded dots"},
	{"/%2E%2E/secret.txt", "encoded dots, upper case"},
	{"/.%2e/secret.txt", "half-encoded dots"},
	{"/%2e%2e%2fsecret.txt", "encoded dots and slash"},
	{"/..%2fsecret.txt", "encoded slash"},
	{"/..%2Fsecret.txt", "encoded slash, upper case"},
	{"/sub%2f..%2f..%2fsecret.txt", "encoded slashes around dot-dot"},
	{"/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "encoded dots to the root"},
	{"/..%252fsecret.txt", "double-encoded slash"},
	{"/%252e%252e/secret.txt", "double-encoded dots"},
	{"/..%5csecret.txt", "encoded backslash"},
	{"/..\\secret.txt", "backslash"},
	{"/%5c..%5csecret.txt", "encoded backslashes around dot-dot"},
	{"/%c0%ae%c0%ae/secret.txt", "overlong UTF-8 dots (2 bytes)"},
	{"/%e0%80%ae%e0%80%ae/secret.txt", "overlong UTF-8 dots (3 bytes)"},
	{"/%f0%80%80%ae%f0%80%80%ae/secret.txt", "overlong UTF-8 dots (4 bytes)"},
	{"/..%c0%afsecret.txt", "overlong UTF-8 slash"},
	{"/..%e0%80%afsecret.txt", "overlong UTF-8 slash (3 bytes)"},
	{"/..%c1%9csecret.txt", "overlong UTF-8 backslash"},
	{"/%c0%2e%c0%2e/secret.txt", "invalid UTF-8 around dots"},
	{"/%ef%bc%8e%ef%bc%8e/secret.txt", "fullwidth full stops (U+FF0E)"},
	{"/%uff0e%uff0e/secret.txt", "IIS %u encoding"},
	{"/..;/secret.txt", "dot-dot with a path parameter"},
	{"/.../secret.txt", "three dots"},
	{"/..%00/secret.txt", "NUL after dot-dot"},
	{"/secret.txt%00.html", "NUL before an extension"},
	{"/%00../secret.txt", "NUL before dot-dot"},
	{"/link-to-secret", "absolute symbolic link to a file outside"},
	{"/relative-link", "relative symbolic link to a file outside"},
	{"/link-to-top/secret.txt", "symbolic link to the folder above"},
	{"/etc/passwd", "symbolic link to /etc"},
	{"/sub/up/secret.txt", "symbolic link to ../.."},
	{"/loop-a", "symbolic link loop"},
	{"http://localhost/../secret.txt", "absolute-form with dot-dot"},
	{"http://localhost/%2e%2e/secret.txt", "absolute-form with encoded dots"},
}

// TestJail: no target in jailTests gets lisod to send a byte of a file
// from outside its www folder, over HTTP or HTTPS; a link that stays
// inside still works.
func TestJail(t *testing.T) {
	www := hardJail(t)
	f := startHardened(t, www)
	for _, tt := range jailTests {
		t.Run(tt.trick, func(t *testing.T) {
			c := hardDial(t, f.http, 10*time.Second)
			raw := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", tt.target)
			io.WriteString(c, raw)
			got, err := io.ReadAll(c)
			if err != nil && !hardClosed(err) {
				t.Fatalf("GET %s: %v", tt.target, err)
			}
			status, _, _ := strings.Cut(string(got), "\r\n")
			if !strings.HasPrefix(status, "HTTP/1.1 404 ") && !strings.HasPrefix(status, "HTTP/1.1 400 ") {
				t.Errorf("GET %s (%s): %q; want 404 or 400", tt.target, tt.trick, status)
			}
			checkNoLeak(t, tt.target, string(got), www)
		})
	}
	// The same traps over HTTPS, through the same code.
	c, err := f.dialTLS(t, nil)
	hardMust(t, err)
	defer c.Close()
	for _, tt := range jailTests[:5] {
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", tt.target)
	}
	io.WriteString(c, "GET /sub/inside-link HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	got, err := io.ReadAll(c)
	if err != nil && !hardClosed(err) {
		t.Fatal(err)
	}
	checkNoLeak(t, "over HTTPS", string(got), www)
	if !strings.HasSuffix(string(got), "public page\n") {
		t.Errorf("a link inside the folder, over HTTPS: %q; want it served", hardTail(string(got), 200))
	}
}

// checkNoLeak fails t if an answer holds the secret, a password file, or
// a path on the server.
func checkNoLeak(t *testing.T, what, answer, www string) {
	t.Helper()
	for _, leak := range []string{"TOP SECRET", "root:", www, "escapes"} {
		if strings.Contains(answer, leak) {
			t.Errorf("%s: the answer contains %q:\n%s", what, leak, hardTail(answer, 500))
		}
	}
}

// TestJailSymlinkRace: while clients keep asking for a file and for a
// file inside a folder, another goroutine keeps swapping each for a
// symbolic link to the outside and back. Whatever the timing, lisod
// serves the public file or nothing (404), never the secret: os.Root
// resolves every path component inside the folder, so there is no
// window between checking a path and opening it.
func TestJailSymlinkRace(t *testing.T) {
	www := hardSite(t)
	top := filepath.Dir(www)
	hardMust(t, os.WriteFile(filepath.Join(www, "race.txt"), []byte("public race file\n"), 0o644))
	hardMust(t, os.MkdirAll(filepath.Join(www, "racedir"), 0o755))
	// Inside the folder's copy, secret.txt is public; outside it is not.
	hardMust(t, os.WriteFile(filepath.Join(www, "racedir", "secret.txt"), []byte("public race file\n"), 0o644))
	f := startHardened(t, www)

	// Clients and swapper run for a fixed time, side by side.
	deadline := time.Now().Add(1500 * time.Millisecond)
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() { swapLoop(t, www, top, deadline, &swaps) })

	client := &http.Client{Timeout: 10 * time.Second}
	var served, missing atomic.Int64
	for w := range 4 {
		path := []string{"/race.txt", "/racedir/secret.txt"}[w%2]
		wg.Go(func() {
			for time.Now().Before(deadline) {
				resp, err := client.Get("http://" + f.http + path)
				if err != nil {
					t.Errorf("GET %s: %v", path, err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case strings.Contains(string(body), "SECRET"):
					t.Errorf("GET %s served the file outside the folder: %q", path, body)
					return
				case resp.StatusCode == 200 && string(body) == "public race file\n":
					served.Add(1)
				case resp.StatusCode == 404:
					missing.Add(1)
				default:
					t.Errorf("GET %s: %d %q; want the public file or 404", path, resp.StatusCode, body)
					return
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d swaps; %d answers with the public file, %d 404s", swaps.Load(), served.Load(), missing.Load())
	if swaps.Load() == 0 || served.Load() == 0 {
		t.Errorf("the race never ran: %d swaps, %d files served", swaps.Load(), served.Load())
	}
}

// swapLoop swaps www/race.txt and www/racedir for symbolic links to the
// outside and back, as fast as it can, until deadline. Each swap is
// a rename, so a name is always either the file (folder) or the link, or,
// for the folder, briefly absent.
func swapLoop(t *testing.T, www, top string, deadline time.Time, swaps *atomic.Int64) {
	file, dir := filepath.Join(www, "race.txt"), filepath.Join(www, "racedir")
	for time.Now().Before(deadline) {
		steps := []func() error{
			// race.txt becomes a link to the secret, then a file again.
			func() error { return os.Symlink(filepath.Join(top, "secret.txt"), file+".link") },
			func() error { return os.Rename(file, file+".real") },
			func() error { return os.Rename(file+".link", file) },
			func() error { return os.Rename(file+".real", file) },
			// racedir becomes a link to the folder above, then a folder.
			func() error { return os.Rename(dir, dir+".real") },
			func() error { return os.Symlink(top, dir) },
			func() error { return os.Remove(dir) },
			func() error { return os.Rename(dir+".real", dir) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				t.Errorf("swapping: %v", err)
				return
			}
		}
		swaps.Add(1)
	}
}

// TestJailSpecialFiles: a named pipe in the www folder is not a page.
// Opening one for reading waits for a writer; lisod must answer 404 at
// once instead of parking a thread forever (which would also stop it from
// ever shutting down).
func TestJailSpecialFiles(t *testing.T) {
	www := hardSite(t)
	hardMust(t, syscall.Mkfifo(filepath.Join(www, "pipe"), 0o644))
	f := startHardened(t, www)
	for _, target := range []string{"/pipe", "/pipe/", "/%70ipe"} {
		a, took, err := hardGet(f.http, target, 5*time.Second)
		if err != nil {
			t.Fatalf("GET %s: %v (after %v)", target, err, took.Round(time.Millisecond))
		}
		if a.status != 404 {
			t.Errorf("GET %s (a named pipe): %d; want 404", target, a.status)
		}
	}
	// And lisod still stops on SIGTERM: no request is stuck in open(2).
	f.Signal(t, syscall.SIGTERM)
	if code := f.Wait(t, 10*time.Second); code != 0 {
		t.Errorf("lisod exited with %d after SIGTERM; want 0", code)
	}
}
