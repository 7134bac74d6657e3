//go:build exercises

package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"liso/shared/lisotest"
)

// The exercises of docs/checkpoint3.md. They are kept out of the default
// test run by their build tag; run them with
//
//	go test -tags exercises -run TestExercise ./checkpoint3
//
// Each one fails until its exercise is solved, saying what is missing.

// exServer is a foreground lisod with its own LISO_HOME, and a client that
// trusts only the CA lisod issued its certificate from.
type exServer struct {
	httpPort, httpsPort string
	client              *http.Client // follows no redirects
}

var exListenRE = regexp.MustCompile(`HTTP listening on \S+:(\d+), HTTPS listening on \S+:(\d+)`)

// exStart starts lisod --foreground on free ports with the options given.
// When lisod does not start, the test fails naming the exercise.
func exStart(t *testing.T, exercise string, options ...string) *exServer {
	t.Helper()
	home := t.TempDir()
	args := append(append([]string{"--foreground", "--bind", "127.0.0.1"}, options...), "0", "0")
	p := lisotest.Start(t, []string{"LISO_HOME=" + home, "LISO_CA_DIR="}, args...)
	var m []string
	for m == nil {
		line, err := p.ReadLine(10 * time.Second)
		if err != nil {
			p.Wait(t, hangGuard)
			t.Fatalf("%s: lisod %q did not start: %s", exercise, args, p.Stderr())
		}
		m = exListenRE.FindStringSubmatch(line)
	}
	pem, err := os.ReadFile(filepath.Join(home, "ca", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return &exServer{httpPort: m[1], httpsPort: m[2], client: &http.Client{
		Timeout:       hangGuard,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// http and https are the base URLs, by the name the certificate covers.
func (s *exServer) http() string  { return "http://localhost:" + s.httpPort }
func (s *exServer) https() string { return "https://localhost:" + s.httpsPort }

// do sends one request and returns the answer and its body.
func (s *exServer) do(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	return s.send(t, method, url, "", body)
}

// doHost is do with the Host header given (the URL's host when "").
func (s *exServer) doHost(t *testing.T, method, url, host, body string) *http.Response {
	t.Helper()
	resp, _ := s.send(t, method, url, host, body)
	return resp
}

func (s *exServer) send(t *testing.T, method, url, host, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if host != "" {
		req.Host = host
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp, string(data)
}
