package suite

// The www folder is a jail: no request target, however encoded, and no
// symbolic link in the folder gets the server to send a byte of a file
// outside it. The checks plant their symbolic links, files and named pipe
// in the site's www folder and remove them when done. docs/security.md
// lists the targets (TestSecurityDoc).

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// jailTests are request targets that try to read a file from outside the
// www folder; each names its trick. In a target, {above} is the path from
// the folder that holds www to the outside file, and {file} the outside
// file's name in the folder the planted links lead to (see jailPlaces).
var jailTests = []struct{ target, trick string }{
	{"/../{above}", "dot-dot"},
	{"/../../../../../../etc/passwd", "dot-dot to the root"},
	{"/sub/../../{above}", "dot-dot after a folder"},
	{"/./../{above}", "dot then dot-dot"},
	{"//../{above}", "empty segment then dot-dot"},
	{"/index.html/../../{above}", "dot-dot after a file"},
	{"/%2e%2e/{above}", "encoded dots"},
	{"/%2E%2E/{above}", "encoded dots, upper case"},
	{"/.%2e/{above}", "half-encoded dots"},
	{"/%2e%2e%2f{above}", "encoded dots and slash"},
	{"/..%2f{above}", "encoded slash"},
	{"/..%2F{above}", "encoded slash, upper case"},
	{"/sub%2f..%2f..%2f{above}", "encoded slashes around dot-dot"},
	{"/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "encoded dots to the root"},
	{"/..%252f{above}", "double-encoded slash"},
	{"/%252e%252e/{above}", "double-encoded dots"},
	{"/..%5c{above}", "encoded backslash"},
	{"/..\\{above}", "backslash"},
	{"/%5c..%5c{above}", "encoded backslashes around dot-dot"},
	{"/%c0%ae%c0%ae/{above}", "overlong UTF-8 dots (2 bytes)"},
	{"/%e0%80%ae%e0%80%ae/{above}", "overlong UTF-8 dots (3 bytes)"},
	{"/%f0%80%80%ae%f0%80%80%ae/{above}", "overlong UTF-8 dots (4 bytes)"},
	{"/..%c0%af{above}", "overlong UTF-8 slash"},
	{"/..%e0%80%af{above}", "overlong UTF-8 slash (3 bytes)"},
	{"/..%c1%9c{above}", "overlong UTF-8 backslash"},
	{"/%c0%2e%c0%2e/{above}", "invalid UTF-8 around dots"},
	{"/%ef%bc%8e%ef%bc%8e/{above}", "fullwidth full stops (U+FF0E)"},
	{"/%uff0e%uff0e/{above}", "IIS %u encoding"},
	{"/..;/{above}", "dot-dot with a path parameter"},
	{"/.../{above}", "three dots"},
	{"/..%00/{above}", "NUL after dot-dot"},
	{"/secret.txt%00.html", "NUL before an extension"},
	{"/%00../{above}", "NUL before dot-dot"},
	{"/link-to-secret", "absolute symbolic link to a file outside"},
	{"/relative-link", "relative symbolic link to a file outside"},
	{"/link-to-top/{file}", "symbolic link to the folder above"},
	{"/etc-link/passwd", "symbolic link to /etc"},
	{"/sub/up/{file}", "symbolic link up two levels (../..)"},
	{"/loop-a", "symbolic link loop"},
	{"http://localhost/../{above}", "absolute-form with dot-dot"},
	{"http://localhost/%2e%2e/{above}", "absolute-form with encoded dots"},
}

const docJail = "docs/security.md#the-www-folder-is-a-jail"

// jailRule is where the jail's rule comes from.
const jailRule = "RFC 9110 17.3 (attacks based on file and path names): a server serves nothing outside its www folder; "

// jailChecks are the jail's checks. With project, the refusals must be
// 404 or 400, as this project answers; a server may also answer 403, or
// redirect to the path cleaned of its dot segments, as Go's ServeMux
// does (the redirect serves nothing, and the cleaned path is inside).
func jailChecks(project bool) []Check {
	prefix, refusals, redirects := "robust/jail/", []int{400, 403, 404}, true
	if project {
		prefix, refusals, redirects = "robust/project/jail/", []int{400, 404}, false
	}
	var checks []Check
	for _, tt := range jailTests {
		checks = append(checks, Check{
			Name:  prefix + slug(tt.trick),
			Stage: StageRobust,
			Rule:  jailRule + "trick: " + tt.trick,
			Doc:   docJail,
			Run:   func(c *C) { runJail(c, tt.target, refusals, redirects) },
		})
	}
	notFound := refusals[1:] // a named pipe or a swapped name is there, but no page: 403 or 404
	checks = append(checks,
		Check{
			Name: prefix + "symlink-race", Stage: StageRobust, Doc: docJail,
			Rule: jailRule + "a name swapped for a link to the outside between the server's check and its open (TOCTOU)",
			Run:  func(c *C) { runSymlinkRace(c, notFound) },
		},
		Check{
			Name: prefix + "named-pipe", Stage: StageRobust, Doc: docJail,
			Rule: "RFC 9110 17.3: only regular files are pages; a named pipe's open waits for a writer, which must not hang a request",
			Run:  func(c *C) { runNamedPipe(c, notFound) },
		},
	)
	if project {
		return checks
	}
	return append(checks,
		Check{
			Name: "robust/jail/link-inside", Stage: StageRobust, Doc: docJail,
			Rule: "course: every file of the www folder is served; a symbolic link that stays inside it is such a file",
			Run:  runLinkInside,
		},
		Check{
			Name: "robust/jail/https", Stage: StageRobust, Since: 3, Doc: docJail,
			Rule: jailRule + "over HTTPS too, through the same code",
			Run:  runJailTLS,
		},
		Check{
			Name: "robust/jail/named-pipe-shutdown", Stage: StageRobust, Starts: true, Doc: docJail,
			Rule: "course: SIGTERM is handled (daemonize.c); a request for a named pipe must not keep the server from stopping",
			Run:  runNamedPipeShutdown,
		},
	)
}

// jailPlace is where the outside file is, as the checks reach it.
type jailPlace struct {
	file    string // its absolute path
	dir     string // the folder the planted links to a folder lead to
	name    string // its name in dir: {file}
	above   string // the path to it from the folder that holds www: {above}
	leakMsg string // what an answer that leaks it contains
}

// jailPlaces finds the outside file: the site's secret file beside the www
// folder, or, when lisocheck does not own the folder around www,
// /etc/passwd, reached from there by climbing to the root.
func jailPlaces(site *Site) (www string, p jailPlace, err error) {
	www, err = filepath.Abs(site.WWW)
	if err != nil {
		return "", p, err
	}
	top := filepath.Dir(www)
	if site.Secret != "" {
		return www, jailPlace{file: site.Secret, dir: top, name: filepath.Base(site.Secret),
			above: filepath.Base(site.Secret), leakMsg: "TOP SECRET"}, nil
	}
	ups := strings.Repeat("../", strings.Count(strings.Trim(top, "/"), "/")+1)
	if top == "/" {
		ups = ""
	}
	return www, jailPlace{file: "/etc/passwd", dir: "/etc", name: "passwd", above: ups + "etc/passwd", leakMsg: "root:"}, nil
}

// expand fills a target's {above} and {file}.
func (p jailPlace) expand(target string) string {
	return strings.NewReplacer("{above}", p.above, "{file}", p.name).Replace(target)
}

// plantJail puts the jail's symbolic links into the www folder: links
// that lead out of it, a link loop, and one that stays inside. The
// returned function removes them.
func plantJail(c *C) (www string, p jailPlace, remove func()) {
	www, p, err := jailPlaces(c.Site)
	if err != nil {
		c.Fatal(Errorf("finding the www folder: %v", err))
	}
	relFile, _ := filepath.Rel(www, p.file)
	upDir, _ := filepath.Rel(filepath.Join(www, "sub"), p.dir)
	links := []struct{ name, target string }{
		{"link-to-secret", p.file},
		{"relative-link", relFile},
		{"link-to-top", p.dir},
		{"etc-link", "/etc"},
		{"sub/up", upDir},
		{"loop-a", "loop-b"},
		{"loop-b", "loop-a"},
		{"sub/inside-link", "page.html"}, // stays inside: served
	}
	var planted []string
	remove = func() {
		for _, name := range planted {
			os.Remove(name)
		}
	}
	for _, l := range links {
		name := filepath.Join(www, filepath.FromSlash(l.name))
		os.Remove(name) // left by an interrupted run
		if err := os.Symlink(l.target, name); err != nil {
			remove()
			c.Fatal(Errorf("planting a symbolic link in the www folder: %v", err))
		}
		planted = append(planted, name)
	}
	return www, p, remove
}

// leaks says what an answer holds that it must not: the outside file,
// the folder's path on the server, or an error text that names it.
func leaks(answer, www string, p jailPlace) string {
	for _, leak := range []string{p.leakMsg, SecretBody, www, "escapes"} {
		if strings.Contains(answer, leak) {
			return fmt.Sprintf("the answer contains %q", leak)
		}
	}
	return ""
}

// runJail sends one target raw (a client library would clean the path
// first) and wants a refusal that leaks nothing, or, with redirects, a
// redirect to a path on the same server.
func runJail(c *C, target string, refusals []int, redirects bool) {
	www, p, remove := plantJail(c)
	defer remove()
	raw := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", p.expand(target))
	want := fmt.Sprintf("%s, and no byte of %s", codesText(refusals), p.file)
	if redirects {
		want = fmt.Sprintf("%s, or a redirect to a path of this server, and no byte of %s", strings.Trim(strings.ReplaceAll(fmt.Sprint(refusals), " ", ", "), "[]"), p.file)
	}
	got, err := rawExchange(c.Addr, raw)
	if err != nil {
		c.Fatal(Failure{Sent: raw, Got: err.Error(), Want: want})
	}
	r, err := ReadReply(bufio.NewReader(bytes.NewReader(got)), "GET")
	switch leak := leaks(string(got), www, p); {
	case leak != "":
		c.Fail(Failure{Sent: raw, Got: Shorten(string(got), 500), Want: want, Note: leak})
	case err != nil:
		c.Fail(Failure{Sent: raw, Got: Shorten(string(got), 300), Want: want, Note: "not an HTTP answer: " + err.Error()})
	case redirects && r.Status >= 300 && r.Status < 400 && inSite(r.Header.Get("Location")):
		c.Logf("redirected to %q", r.Header.Get("Location"))
	case !slices.Contains(refusals, r.Status):
		c.Fail(Failure{Sent: raw, Got: r.Head(), Want: want})
	}
}

// inSite reports whether a redirect's Location is a path of the same
// server with no dot-dot segment: following it cannot leave the www folder.
func inSite(location string) bool {
	u, err := url.Parse(location)
	return err == nil && location != "" && u.Scheme == "" && u.Host == "" && !strings.HasPrefix(location, "//") &&
		!slices.Contains(strings.Split(u.Path, "/"), "..")
}

// codesText is "400, 403 or 404".
func codesText(codes []int) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = fmt.Sprint(c)
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// rawExchange sends raw on a new connection and reads until the server
// closes it.
func rawExchange(addr, raw string) ([]byte, error) {
	c, err := Dial(addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		return nil, err
	}
	got, err := io.ReadAll(c)
	if err != nil && !Closed(err) {
		return got, err
	}
	return got, nil
}

// runLinkInside: a link that stays inside the folder is served.
func runLinkInside(c *C) {
	_, _, remove := plantJail(c)
	defer remove()
	r, raw, err := Get(c.Addr, "GET", "/sub/inside-link")
	switch {
	case err != nil:
		c.Fatal(Failure{Sent: raw, Got: err.Error(), Want: "200 with the bytes of /sub/page.html"})
	case r.Status != 200 || string(r.Body) != "public page\n":
		c.Fail(Failure{Sent: raw, Got: r.Head(), Want: "200 with the bytes of /sub/page.html, which the link names"})
	}
}

// runJailTLS sends the first targets and then the inside link on one
// HTTPS connection: nothing leaks, and the link is served.
func runJailTLS(c *C) {
	www, p, remove := plantJail(c)
	defer remove()
	var raw strings.Builder
	for _, tt := range jailTests[:5] {
		fmt.Fprintf(&raw, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", p.expand(tt.target))
	}
	raw.WriteString("GET /sub/inside-link HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	want := "refusals for the targets that climb out, then 200 with /sub/page.html for the link that stays inside"
	conn, err := c.DialTLS(nil)
	if err != nil {
		c.Fatal(Failure{Sent: "a TLS handshake with " + c.TLSAddr, Got: err.Error(), Want: want})
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw.String()); err != nil {
		c.Fatal(Failure{Sent: raw.String(), Got: err.Error(), Want: want})
	}
	got, err := io.ReadAll(conn)
	if err != nil && !Closed(err) {
		c.Fatal(Failure{Sent: raw.String(), Got: err.Error(), Want: want})
	}
	if bad := leaks(string(got), www, p); bad != "" {
		c.Fail(Failure{Sent: raw.String(), Got: Shorten(string(got), 500), Want: want, Note: bad})
	}
	if !strings.HasSuffix(string(got), "public page\n") {
		c.Fail(Failure{Sent: raw.String(), Got: Shorten(string(got), 500), Want: want, Note: "the link inside the folder was not served last"})
	}
}

// raceBody is the public file the symbolic link race swaps in and out.
const raceBody = "public race file\n"

// runSymlinkRace: while clients keep asking for a file and for a file
// inside a folder, another goroutine keeps swapping each for a symbolic
// link to the outside and back. Whatever the timing, the server serves
// the public file or refuses, never the outside one.
func runSymlinkRace(c *C, refusals []int) {
	www, p, err := jailPlaces(c.Site)
	if err != nil {
		c.Fatal(Errorf("finding the www folder: %v", err))
	}
	file, dir := filepath.Join(www, "race.txt"), filepath.Join(www, "racedir")
	defer func() {
		for _, name := range []string{file, file + ".link", file + ".real", dir, dir + ".real"} {
			os.RemoveAll(name) // a link is removed, never followed
		}
	}()
	// Inside the folder's copy, the outside file's name is public.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		c.Fatal(Errorf("planting the race's files: %v", err))
	}
	for _, name := range []string{file, filepath.Join(dir, p.name)} {
		if err := os.WriteFile(name, []byte(raceBody), 0o644); err != nil {
			c.Fatal(Errorf("planting the race's files: %v", err))
		}
	}

	// Clients and swapper run for a fixed time, side by side.
	deadline := time.Now().Add(1500 * time.Millisecond)
	var swaps, served, refused atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() { swapLoop(c, file, dir, p, deadline, &swaps) })
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: HangGuard, Transport: tr}
	for w := range 4 {
		path := []string{"/race.txt", "/racedir/" + p.name}[w%2]
		wg.Go(func() {
			for time.Now().Before(deadline) {
				sent := "GET " + path + " HTTP/1.1 (net/http's client, while the name is swapped)"
				resp, err := client.Get("http://" + c.Addr + path)
				if err != nil {
					c.Fail(Failure{Sent: sent, Got: err.Error(), Want: "the public file or a refusal"})
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case leaks(string(body), www, p) != "" || resp.StatusCode == 200 && string(body) != raceBody:
					c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("%d %q", resp.StatusCode, Shorten(string(body), 200)), Want: "the public file or a refusal", Note: "the file outside the folder was served"})
					return
				case resp.StatusCode == 200:
					served.Add(1)
				case slices.Contains(refusals, resp.StatusCode):
					refused.Add(1)
				default:
					c.Fail(Failure{Sent: sent, Got: fmt.Sprintf("%d %q", resp.StatusCode, Shorten(string(body), 200)), Want: "200 with the public file, or " + codesText(refusals)})
					return
				}
			}
		})
	}
	wg.Wait()
	c.Logf("%d swaps; %d answers with the public file, %d refusals", swaps.Load(), served.Load(), refused.Load())
	if swaps.Load() == 0 || served.Load() == 0 {
		c.Fail(Errorf("the race never ran: %d swaps, %d files served", swaps.Load(), served.Load()))
	}
}

// swapLoop swaps file and dir for symbolic links to the outside and
// back, as fast as it can, until deadline. Each swap is a rename, so a
// name is always either the file (folder) or the link, or, for the
// folder, briefly absent.
func swapLoop(c *C, file, dir string, p jailPlace, deadline time.Time, swaps *atomic.Int64) {
	steps := []func() error{
		// The file becomes a link to the outside file, then a file again.
		func() error { return os.Symlink(p.file, file+".link") },
		func() error { return os.Rename(file, file+".real") },
		func() error { return os.Rename(file+".link", file) },
		func() error { return os.Rename(file+".real", file) },
		// The folder becomes a link to the outside folder, then a folder.
		func() error { return os.Rename(dir, dir+".real") },
		func() error { return os.Symlink(p.dir, dir) },
		func() error { return os.Remove(dir) },
		func() error { return os.Rename(dir+".real", dir) },
	}
	for time.Now().Before(deadline) {
		for _, step := range steps {
			if err := step(); err != nil {
				c.Fail(Errorf("swapping the race's names: %v", err))
				return
			}
		}
		swaps.Add(1)
	}
}

// pipeTargets name the named pipe the pipe checks plant, three ways.
var pipeTargets = []string{"/pipe", "/pipe/", "/%70ipe"}

// plantPipe makes a named pipe in the www folder. The returned function
// removes it, first opening it for writing so that a server thread
// blocked opening it for reading goes free.
func plantPipe(c *C, www string) (remove func()) {
	name := filepath.Join(www, "pipe")
	os.Remove(name) // left by an interrupted run
	if err := syscall.Mkfifo(name, 0o644); err != nil {
		c.Fatal(Errorf("making a named pipe in the www folder: %v", err))
	}
	return func() {
		if f, err := os.OpenFile(name, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		os.Remove(name)
	}
}

// pipeLimit is how long an answer about the named pipe may take: it
// should come at once; a server that opens the pipe waits forever.
const pipeLimit = 5 * time.Second

// runNamedPipe: a named pipe in the www folder is not a page. Opening one
// for reading waits for a writer; the server must refuse it at once
// instead of parking a thread for ever.
func runNamedPipe(c *C, refusals []int) {
	defer plantPipe(c, c.Site.WWW)()
	for _, target := range pipeTargets {
		r, raw, err := getWithin(c.Addr, target, pipeLimit)
		switch {
		case err != nil:
			c.Fail(Failure{Sent: raw, Got: err.Error(), Want: codesText(refusals) + " within " + pipeLimit.String(), Note: "a named pipe's open(2) waits for a writer"})
		case !slices.Contains(refusals, r.Status):
			c.Fail(Failure{Sent: raw, Got: r.Head(), Want: codesText(refusals) + ": a named pipe is not a page"})
		}
	}
}

// runNamedPipeShutdown starts a server of its own beside a named pipe,
// asks for the pipe, and stops it with SIGTERM: no request may be stuck
// in open(2) so that the server cannot stop. A server that did not
// daemonize must also exit with code 0.
func runNamedPipeShutdown(c *C) {
	dir, err := os.MkdirTemp("", "lisocheck-pipe-")
	if err != nil {
		c.Fatal(Errorf("making a scratch folder: %v", err))
	}
	defer os.RemoveAll(dir)
	s, foreground := launchOwn(c, c.Command, dir)
	defer plantPipe(c, c.Site.WWW)()
	stopped := false
	defer func() {
		if !stopped {
			s.Stop(HangGuard)
		}
	}()
	if _, raw, err := getWithin(loopback(s.HTTPPort), pipeTargets[0], pipeLimit); err != nil {
		c.Fail(Failure{Sent: raw, Got: err.Error(), Want: "a refusal within " + pipeLimit.String(), Note: "a named pipe's open(2) waits for a writer"})
	}
	const grace = 10 * time.Second
	stopped = true
	if !s.Stop(grace) {
		c.Fail(Failure{Sent: "SIGTERM, after a request for a named pipe", Got: fmt.Sprintf("still running %v later (then killed)", grace), Want: "the server stops"})
		return
	}
	if _, code, _ := s.Launcher(); foreground && code != 0 {
		c.Fail(Failure{Sent: "SIGTERM, after a request for a named pipe", Got: fmt.Sprintf("exit code %d (-1: killed by the signal)", code), Want: "exit code 0: SIGTERM handled, a clean stop"})
	}
}
