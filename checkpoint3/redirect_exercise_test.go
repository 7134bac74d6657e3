//go:build exercises

package main

import (
	"strings"
	"testing"
)

type redirectTest struct {
	method, path string
	host         string // the Host field, HTTP standing for the HTTP port; "" for the URL's
	body         string
	status       int
	location     string // HTTPS stands for the HTTPS port
}

var redirectTests = []redirectTest{
	{"GET", "/style.css?v=2", "", "", 301, "https://localhost:HTTPS/style.css?v=2"},
	{"HEAD", "/", "", "", 301, "https://localhost:HTTPS/"},
	{"POST", "/cgi/form", "", "a=1", 308, "https://localhost:HTTPS/cgi/form"},
	{"GET", "/images/liso.png", "127.0.0.1:HTTP", "", 301, "https://127.0.0.1:HTTPS/images/liso.png"},
	{"GET", "/", "[::1]:HTTP", "", 301, "https://[::1]:HTTPS/"},
}

// Exercise 2: redirect plain HTTP to HTTPS. With lisod
// --redirect-to-https, every request on the HTTP port is answered with a
// redirect to the same host, path and query on the HTTPS port: 301 for GET
// and HEAD, 308 (which keeps the method and body) for the others. The
// HTTPS port serves as before. See docs/checkpoint3.md, "Exercises".
func TestExercise2RedirectToHTTPS(t *testing.T) {
	const ex = "exercise 2 (redirect to HTTPS)"
	s := exStart(t, ex, "--redirect-to-https")
	for _, tt := range redirectTests {
		host := strings.Replace(tt.host, "HTTP", s.httpPort, 1)
		req := tt.method + " " + tt.path
		if host != "" {
			req += " (Host: " + host + ")"
		}
		resp := s.doHost(t, tt.method, s.http()+tt.path, host, tt.body)
		want := strings.Replace(tt.location, "HTTPS", s.httpsPort, 1)
		if resp.StatusCode != tt.status || resp.Header.Get("Location") != want {
			t.Errorf("%s: %s over HTTP = %d, Location: %q; want %d, %q", ex, req, resp.StatusCode, resp.Header.Get("Location"), tt.status, want)
		}
	}
	if resp, _ := s.do(t, "GET", s.https()+"/style.css", ""); resp.StatusCode != 200 {
		t.Errorf("%s: GET /style.css over HTTPS = %d; want 200, not a redirect", ex, resp.StatusCode)
	}

	// Off by default: plain HTTP serves files as before.
	plain := exStart(t, ex)
	if resp, _ := plain.do(t, "GET", plain.http()+"/style.css", ""); resp.StatusCode != 200 {
		t.Errorf("%s: without --redirect-to-https, GET /style.css over HTTP = %d; want 200", ex, resp.StatusCode)
	}
}
