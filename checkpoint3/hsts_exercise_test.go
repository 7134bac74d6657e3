//go:build exercises

package main

import "testing"

// Exercise 1: HSTS. lisod --hsts-max-age 1h adds
// "Strict-Transport-Security: max-age=3600" to every answer it sends over
// HTTPS (files, errors, CGI), and never to one over plain HTTP (RFC 6797
// 7.2). Without the option there is no such header. See
// docs/checkpoint3.md, "Exercises".
func TestExercise1HSTS(t *testing.T) {
	const ex = "exercise 1 (HSTS)"
	const want = "max-age=3600"
	s := exStart(t, ex, "--hsts-max-age", "1h")
	for _, path := range []string{"/", "/no-such-page", "/cgi/"} {
		resp, _ := s.do(t, "GET", s.https()+path, "")
		if got := resp.Header.Get("Strict-Transport-Security"); got != want {
			t.Errorf("%s: GET %s over HTTPS (%d) has Strict-Transport-Security: %q; want %q", ex, path, resp.StatusCode, got, want)
		}
		resp, _ = s.do(t, "GET", s.http()+path, "")
		if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s: GET %s over plain HTTP has Strict-Transport-Security: %q; want none (RFC 6797 7.2)", ex, path, got)
		}
	}

	// Off by default: a browser that has seen HSTS for localhost may insist
	// on HTTPS for every local site, on every port, until max-age passes.
	plain := exStart(t, ex)
	resp, _ := plain.do(t, "GET", plain.https()+"/", "")
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("%s: without --hsts-max-age, GET / over HTTPS has Strict-Transport-Security: %q; want none", ex, got)
	}
}
