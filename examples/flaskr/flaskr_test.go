// Package flaskr_test drives the flaskr example (the Flask tutorial's blog,
// a Python CGI script) through lisod's HTTP stack and CGI host, over HTTP
// and HTTPS, as a browser would: a cookie jar, and redirects looked at
// rather than followed. It needs Debian's /usr/bin/python3 with the
// python3-flask package; without Flask it skips, except in CI (CI=true),
// where it fails.
package flaskr_test

import (
	"liso/shared/lisotest"

	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"liso/shared/cgihost"
	"liso/shared/httpconn"
	"liso/shared/server"
)

// python is the interpreter flaskr.cgi names on its "#!" line.
const python = "/usr/bin/python3"

// hangGuard bounds every wait; a Python CGI request takes a fraction of
// a second.
const hangGuard = 20 * time.Second

// needFlask skips the test when Debian's python3 cannot import Flask,
// unless this is CI, where a missing package is a failure.
func needFlask(t *testing.T) {
	t.Helper()
	out, err := exec.Command(python, "-c", "import flask").CombinedOutput()
	if err == nil {
		return
	}
	msg := "flaskr needs " + python + " with Flask: apt-get install python3-flask (" + err.Error() + ": " +
		strings.TrimSpace(string(out)) + ")"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// copyFlaskr copies the example into a new folder with an empty
// "instance" folder beside the script, so that the test has a database
// of its own (see flaskr.py), and returns the script's path.
func copyFlaskr(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"flaskr.cgi", "flaskr.py", "schema.sql", "templates", "static"} {
		src := name
		if info, err := os.Stat(src); err != nil {
			t.Fatal(err)
		} else if info.IsDir() {
			err = os.CopyFS(filepath.Join(dir, name), os.DirFS(src))
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "instance"), 0o700); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "flaskr.cgi")
}

// serve serves the CGI handler h on 127.0.0.1, over TLS when srvConf is
// not nil, and returns the base URL.
func serve(t *testing.T, h *cgihost.Handler, srvConf *tls.Config) string {
	t.Helper()
	web := &httpconn.Server{Handler: h, Log: h.Log}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	scheme, ln := "http", l
	if srvConf != nil {
		scheme, ln = "https", tls.NewListener(l, srvConf)
	}
	done := make(chan error, 1)
	go func() { done <- web.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		web.Shutdown(ctx)
		if err := <-done; !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("Serve returned %v; want ErrServerClosed", err)
		}
	})
	return scheme + "://" + l.Addr().String()
}

// page is what the test looks at in an answer.
type page struct {
	Status   int
	Location string
	Has      []string // the wanted texts found in the body
}

// step is one request of a visit, and what must come back.
type step struct {
	name   string
	method string
	path   string
	form   url.Values
	want   page
	cookie bool // the answer must set the session cookie
}

// charsetMeta declares the pages' encoding in the page itself, since
// lisod passes on the script's Content-Type as it is.
const charsetMeta = `<meta charset="utf-8">`

// visit is the tour the test takes: the empty blog, a failed login, a
// login (302 with the session cookie, which Werkzeug sends with a Status
// and a relative Location: passed to the client as it is), the blog seen
// logged in, a new post, and the post on the blog.
var visit = []step{
	{name: "empty list", method: "GET", path: "/cgi/",
		want: page{Status: 200, Has: []string{charsetMeta, "No posts yet.", "log in"}}},
	{name: "stylesheet", method: "GET", path: "/cgi/static/style.css",
		want: page{Status: 200, Has: []string{".posts"}}},
	{name: "login form", method: "GET", path: "/cgi/login",
		want: page{Status: 200, Has: []string{charsetMeta, `name="password"`}}},
	{name: "wrong password", method: "POST", path: "/cgi/login",
		form: url.Values{"username": {"admin"}, "password": {"wrong"}},
		want: page{Status: 200, Has: []string{"Invalid password"}}},
	{name: "wrong user", method: "POST", path: "/cgi/login",
		form: url.Values{"username": {"mallory"}, "password": {"default"}},
		want: page{Status: 200, Has: []string{"Invalid username"}}},
	{name: "add refused before login", method: "POST", path: "/cgi/add",
		form: url.Values{"title": {"sneaky"}, "body": {"x"}},
		want: page{Status: 401}},
	{name: "login", method: "POST", path: "/cgi/login",
		form:   url.Values{"username": {"admin"}, "password": {"default"}},
		want:   page{Status: 302, Location: "/cgi/"},
		cookie: true},
	{name: "logged in", method: "GET", path: "/cgi/",
		want: page{Status: 200, Has: []string{"You were logged in", "log out", `name="title"`, "No posts yet."}}},
	{name: "new post", method: "POST", path: "/cgi/add",
		form:   url.Values{"title": {"Hello from <Liso>"}, "body": {"Served by a CGI script."}},
		want:   page{Status: 302, Location: "/cgi/"},
		cookie: true},
	{name: "post shown", method: "GET", path: "/cgi/",
		want: page{Status: 200, Has: []string{"Your post is published.", "Hello from &lt;Liso&gt;", "Served by a CGI script."}}},
}

func TestFlaskr(t *testing.T) {
	needFlask(t)
	srvConf, clientConf := lisotest.TLSConfigs(t)
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			h := &cgihost.Handler{Script: copyFlaskr(t), Timeout: hangGuard, Log: slog.New(slog.DiscardHandler)}
			var base string
			if scheme == "https" {
				base = serve(t, h, srvConf)
			} else {
				base = serve(t, h, nil)
			}
			jar, err := cookiejar.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			client := &http.Client{
				Jar:       jar,
				Timeout:   hangGuard,
				Transport: &http.Transport{TLSClientConfig: clientConf},
				// Look at each redirect instead of following it.
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}
			defer client.CloseIdleConnections()
			for _, s := range visit {
				var resp *http.Response
				var err error
				if s.method == "POST" {
					resp, err = client.PostForm(base+s.path, s.form)
				} else {
					resp, err = client.Get(base + s.path)
				}
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatalf("%s: reading the body: %v", s.name, err)
				}
				got := page{Status: resp.StatusCode, Location: resp.Header.Get("Location")}
				for _, text := range s.want.Has {
					if strings.Contains(string(body), text) {
						got.Has = append(got.Has, text)
					}
				}
				if diff := cmp.Diff(s.want, got); diff != "" {
					t.Errorf("%s: %s %s (-want +got):\n%s\nbody:\n%s", s.name, s.method, s.path, diff, body)
				}
				if s.cookie && !strings.HasPrefix(resp.Header.Get("Set-Cookie"), "session=") {
					t.Errorf("%s: Set-Cookie %q; want the session cookie", s.name, resp.Header.Get("Set-Cookie"))
				}
			}
		})
	}
}
