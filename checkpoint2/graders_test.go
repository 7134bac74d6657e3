package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/lisotest"
)

// The shapes of the course's own graders (15-441's checkpoint 2 and 3
// grading scripts): the exact Content-Type of each type in the course's
// table, HEAD's headers equal to GET's, and their pipelining files, which
// are HTTP/1.1 requests with bare LF line ends and no Host field, sent in
// one write with ncat.

// courseSite writes a www folder with one file per entry of the course's
// MIME table, plus pages 1.html to 5.html for the pipelining files.
func courseSite(t *testing.T) string {
	t.Helper()
	www := t.TempDir()
	files := map[string]string{"index.html": "<!DOCTYPE html><meta charset=\"utf-8\"><p>index</p>"}
	for _, name := range []string{"style.css", "logo.png", "photo.jpg", "photo.jpeg", "anim.gif", "blob.bin", "no-extension", "odd.unknown-type"} {
		files[name] = "bytes of " + name
	}
	for i := 1; i <= 5; i++ {
		files[strconv.Itoa(i)+".html"] = "<p>page " + strconv.Itoa(i) + "</p>"
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(www, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return www
}

// courseTypes: the handout's table, compared as the graders compare it,
// to the letter: a "; charset=utf-8" would fail their header test.
var courseTypes = []struct{ path, want string }{
	{"/index.html", "text/html"},
	{"/style.css", "text/css"},
	{"/logo.png", "image/png"},
	{"/photo.jpg", "image/jpeg"},
	{"/photo.jpeg", "image/jpeg"},
	{"/anim.gif", "image/gif"},
	{"/blob.bin", "application/octet-stream"},
	{"/no-extension", "application/octet-stream"},
	{"/odd.unknown-type", "application/octet-stream"},
}

func TestCourseContentTypesAndHEAD(t *testing.T) {
	p := lisotest.Start(t, nil, "--bind", "127.0.0.1", "--www-folder", courseSite(t), "0")
	base := "http://" + p.Addr(t)
	for _, tt := range courseTypes {
		get, body := do(t, "GET", base+tt.path)
		if got := get.Header.Get("Content-Type"); get.StatusCode != 200 || got != tt.want {
			t.Errorf("GET %s = %d with Content-Type %q; want 200 with %q", tt.path, get.StatusCode, got, tt.want)
		}
		head, headBody := do(t, "HEAD", base+tt.path)
		if headBody != "" {
			t.Errorf("HEAD %s has a body: %q", tt.path, headBody)
		}
		// Date may tick between the two requests; every other field,
		// Content-Length included, must be the same.
		get.Header.Del("Date")
		head.Header.Del("Date")
		if diff := cmp.Diff(get.Header, head.Header); diff != "" || head.ContentLength != int64(len(body)) {
			t.Errorf("HEAD %s: Content-Length %d for a %d-byte body; headers differ from GET's (-GET +HEAD):\n%s",
				tt.path, head.ContentLength, len(body), diff)
		}
	}
}

// do sends one request with the test client and returns the answer and
// its whole body.
func do(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// graderPipelining are the graders' request files, in their own shape.
var graderPipelining = []struct {
	name string
	raw  string
	want []int // the statuses answered, in order, before the connection closes
}{
	{"five kept alive, no Host", strings.Repeat("GET /N.html HTTP/1.1\nConnection: Keep-Alive\n\n", 5), []int{200, 200, 200, 200, 200}},
	{"the last asks to close", strings.Repeat("GET /N.html HTTP/1.1\nConnection: Keep-Alive\n\n", 4) + "GET /N.html HTTP/1.1\nConnection: Close\n\n", []int{200, 200, 200, 200, 200}},
	{"a field line without a colon, then garbage", "GET /index.html HTTP/1.1\nConnection: Cl\nwose\n\nasdlfkashdjkfwheluifhuiohvjisdfnvklsdhfgjkh", []int{400}},
}

func TestGraderPipeliningWithoutHost(t *testing.T) {
	p := lisotest.Start(t, nil, "--bind", "127.0.0.1", "--www-folder", courseSite(t), "0")
	addr := p.Addr(t)
	for _, tt := range graderPipelining {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.raw
			for i := 1; strings.Contains(raw, "/N.html"); i++ {
				raw = strings.Replace(raw, "/N.html", "/"+strconv.Itoa(i)+".html", 1)
			}
			c := lisotest.Dial(t, addr)
			defer c.Close()
			if _, err := io.WriteString(c, raw); err != nil { // one write, as ncat sends a file
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			for i, want := range tt.want {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("answer %d of %d: %v", i+1, len(tt.want), err)
				}
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != want {
					t.Errorf("answer %d = %d; want %d", i+1, resp.StatusCode, want)
				}
				if wantBody := "<p>page " + strconv.Itoa(i+1) + "</p>"; want == 200 && string(body) != wantBody {
					t.Errorf("answer %d = %q; want %q (answers in request order)", i+1, body, wantBody)
				}
			}
			if tt.want[0] == 400 || strings.Contains(raw, "Close") {
				if rest, err := io.ReadAll(br); err != nil || len(rest) > 0 {
					t.Errorf("after the last answer: %q, %v; want the connection closed", rest, err)
				}
			}
		})
	}
}
