package main

// This file is the small WebDriver client browser_test.go drives Chromium
// with: chromedriver started on a free loopback port, and the few W3C
// WebDriver commands the test needs (https://www.w3.org/TR/webdriver2/),
// each one HTTP request with JSON in and out, bounded by a timeout. It uses
// only net/http and encoding/json, so the browser test adds no dependency.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// wdGuard bounds every WebDriver command; starting Chromium, the slowest,
// takes about a second. wdPageLoad, shorter, bounds the loading of a page
// inside the browser, so that a page that never loads is reported as such
// rather than as a command that timed out.
const wdGuard, wdPageLoad = 15 * time.Second, 10 * time.Second

// wdDriver is a chromedriver process serving WebDriver on 127.0.0.1.
type wdDriver struct {
	base   string // http://127.0.0.1:PORT
	dir    string // the browsers' home and profiles
	client *http.Client

	mu   sync.Mutex
	log  bytes.Buffer // chromedriver's output, shown when a command fails; guarded by mu
	port chan string  // receives the port chromedriver chose
	said bool         // the port was sent; guarded by mu
}

// wdStarted is chromedriver's line saying which port it chose.
var wdStarted = regexp.MustCompile(`started successfully on port (\d+)\.`)

// Write collects chromedriver's output and looks for its port in it.
func (d *wdDriver) Write(b []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log.Write(b)
	if m := wdStarted.FindSubmatch(d.log.Bytes()); m != nil && !d.said {
		d.said = true
		d.port <- string(m[1])
	}
	return len(b), nil
}

// wdStart starts chromedriver on a port of its choosing (--port=0 asks it
// to pick one and print it). Its browsers get a home folder of their own,
// so that nothing of theirs (Chromium keeps crash reports under
// ~/.config) lands in the user's. chromedriver and every process it led
// to are killed when the test ends, whatever happened; the test fails if
// any of them outlives that.
func wdStart(t *testing.T, path string) *wdDriver {
	t.Helper()
	d := &wdDriver{dir: t.TempDir(), client: &http.Client{Timeout: wdGuard}, port: make(chan string, 1)}
	cmd := exec.Command(path, "--port=0", "--allowed-ips=127.0.0.1")
	cmd.Env = append(os.Environ(), "HOME="+d.dir, "XDG_CONFIG_HOME="+d.dir+"/.config", "XDG_CACHE_HOME="+d.dir+"/.cache")
	cmd.Stdout, cmd.Stderr = d, d
	// Browsers may keep chromedriver's output open after it is gone.
	cmd.WaitDelay = time.Second
	// A process group of its own, so that one kill reaches chromedriver
	// and the browsers it started, and nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromedriver: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		cmd.Wait()
	}()
	t.Cleanup(func() {
		pgid := cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
		d.noneLeft(t, pgid)
	})
	select {
	case p := <-d.port:
		d.base = "http://127.0.0.1:" + p
	case <-exited:
		t.Fatalf("chromedriver exited before it listened:\n%s", d.output())
	case <-time.After(wdGuard):
		t.Fatalf("chromedriver did not say its port within %v:\n%s", wdGuard, d.output())
	}
	return d
}

// profile makes a new, empty Chromium profile folder.
func (d *wdDriver) profile(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(d.dir, "profile-")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// noneLeft fails the test if a process of chromedriver's group pgid, or
// one that names the browsers' folder (Chromium's crash handler leaves the
// group), is still running once a few seconds have passed, and kills
// what it finds.
func (d *wdDriver) noneLeft(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := wdProcesses(pgid, d.dir)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Errorf("processes chromedriver started outlived it: %v", left)
			return
		}
		time.Sleep(20 * time.Millisecond) // polling an observable condition, bounded above
	}
}

// wdProcesses lists the live (not zombie) processes that are in process
// group pgid or have dir in their command line.
func wdProcesses(pgid int, dir string) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and
		// parentheses, so the fields start after the last ')'.
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(fields) < 3 || fields[0] == "Z" {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(filepath.Dir(path), "cmdline"))
		if fields[2] == strconv.Itoa(pgid) || bytes.Contains(cmdline, []byte(dir)) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			pids = append(pids, pid)
		}
	}
	return pids
}

func (d *wdDriver) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.String()
}

// wdError is the error object of a failed command (W3C WebDriver 6.6).
type wdError struct {
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *wdError) Error() string { return e.Code + ": " + wdFirstLine(e.Message) }

func wdFirstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// do sends one command and decodes the "value" of its answer into out
// (when out is not nil). A WebDriver error comes back as a *wdError.
func (d *wdDriver) do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	var answer struct{ Value json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return fmt.Errorf("%s %s: %d, reading the answer: %w", method, path, resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &wdError{}
		if err := json.Unmarshal(answer.Value, e); err != nil || e.Code == "" {
			return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, answer.Value)
		}
		return e
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(answer.Value, out)
}

// wdSession is one browser, driven through d. Its methods fail the test
// they are given, which may be a subtest of the one that started it.
type wdSession struct {
	d  *wdDriver
	id string
}

// newSession starts a Chromium with the given command-line arguments and
// ends it when the test ends.
func (d *wdDriver) newSession(t *testing.T, binary string, args []string) *wdSession {
	t.Helper()
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":         "chrome",
		"acceptInsecureCerts": false, // trust comes from the arguments only
		"timeouts":            map[string]int{"pageLoad": int(wdPageLoad / time.Millisecond), "script": 5000, "implicit": 0},
		"goog:chromeOptions":  map[string]any{"binary": binary, "args": args},
	}}}
	var created struct {
		SessionID string `json:"sessionId"`
	}
	if err := d.do("POST", "/session", caps, &created); err != nil {
		t.Fatalf("starting Chromium: %v\nchromedriver:\n%s", err, d.output())
	}
	s := &wdSession{d: d, id: created.SessionID}
	t.Cleanup(func() {
		if err := d.do("DELETE", "/session/"+s.id, nil, nil); err != nil {
			t.Logf("ending the browser session: %v", err)
		}
	})
	return s
}

// cmd sends a command of this session, failing the test on error.
func (s *wdSession) cmd(t testing.TB, method, path string, in, out any) {
	t.Helper()
	if err := s.d.do(method, "/session/"+s.id+path, in, out); err != nil {
		t.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
}

// open loads url and waits for the page to load.
func (s *wdSession) open(url string) error {
	return s.d.do("POST", "/session/"+s.id+"/url", map[string]string{"url": url}, nil)
}

// wdElementKey is the key of a web element reference (W3C WebDriver,
// "web element identifier").
const wdElementKey = "element-6066-11e4-a52e-4f735466cecf"

// find returns the reference of the first element matching a CSS selector.
func (s *wdSession) find(t testing.TB, selector string) string {
	t.Helper()
	var ref map[string]string
	s.cmd(t, "POST", "/element", map[string]string{"using": "css selector", "value": selector}, &ref)
	if ref[wdElementKey] == "" {
		t.Fatalf("finding %q: no element reference in %v", selector, ref)
	}
	return ref[wdElementKey]
}

// typeInto types text into the element matching selector.
func (s *wdSession) typeInto(t testing.TB, selector, text string) {
	t.Helper()
	s.cmd(t, "POST", "/element/"+s.find(t, selector)+"/value", map[string]string{"text": text}, nil)
}

// click clicks the element matching selector. chromedriver waits for a
// page load the click starts; browserDo checks that a new page came.
func (s *wdSession) click(t testing.TB, selector string) {
	t.Helper()
	s.cmd(t, "POST", "/element/"+s.find(t, selector)+"/click", map[string]any{}, nil)
}

// eval runs a JavaScript function body in the page and returns its
// result, turned into a string by JavaScript's String().
func (s *wdSession) eval(t testing.TB, body string) string {
	t.Helper()
	var got string
	s.cmd(t, "POST", "/execute/sync", map[string]any{
		"script": "return String((() => { " + body + " })())",
		"args":   []any{},
	}, &got)
	return got
}

// resize makes the viewport (the page's part of the window) width by
// height pixels. A headless window's size includes room for the browser's
// own bars, so the window is made larger than the viewport by as much.
func (s *wdSession) resize(t testing.TB, width, height int) {
	t.Helper()
	var extra [2]int
	if err := json.Unmarshal([]byte(s.eval(t, "return JSON.stringify([outerWidth - innerWidth, outerHeight - innerHeight])")), &extra); err != nil {
		t.Fatalf("reading the window's size: %v", err)
	}
	s.cmd(t, "POST", "/window/rect", map[string]int{"width": width + extra[0], "height": height + extra[1]}, nil)
	want := fmt.Sprintf("%dx%d", width, height)
	if got := s.eval(t, "return innerWidth + 'x' + innerHeight"); got != want {
		t.Fatalf("viewport after resizing: %s; want %s", got, want)
	}
}

// screenshot returns a PNG of the window's viewport.
func (s *wdSession) screenshot(t testing.TB) []byte {
	t.Helper()
	var b64 string
	s.cmd(t, "GET", "/screenshot", nil, &b64)
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return png
}
