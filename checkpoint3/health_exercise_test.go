//go:build exercises

package main

import "testing"

// Exercise 3: a route of your own. GET /healthz answers "ok\n" as
// text/plain, on both ports, for a load balancer's health checks; HEAD
// answers the same without the body; files and CGI are served as before.
// See docs/checkpoint3.md, "Exercises".
func TestExercise3HealthRoute(t *testing.T) {
	const ex = "exercise 3 (a /healthz route)"
	s := exStart(t, ex)
	for _, base := range []string{s.http(), s.https()} {
		resp, body := s.do(t, "GET", base+"/healthz", "")
		if resp.StatusCode != 200 || body != "ok\n" {
			t.Errorf("%s: GET %s/healthz = %d %q; want 200 \"ok\\n\"", ex, base, resp.StatusCode, body)
		}
		if got := resp.Header.Get("Content-Type"); got != "text/plain" {
			t.Errorf("%s: GET %s/healthz has Content-Type %q; want text/plain", ex, base, got)
		}
		resp, body = s.do(t, "HEAD", base+"/healthz", "")
		if resp.StatusCode != 200 || body != "" || resp.ContentLength != 3 {
			t.Errorf("%s: HEAD %s/healthz = %d, Content-Length %d, body %q; want 200, 3 and no body", ex, base, resp.StatusCode, resp.ContentLength, body)
		}
	}
	// The other routes are untouched: the demo site's page, and its CGI script.
	for _, path := range []string{"/", "/cgi/"} {
		if resp, _ := s.do(t, "GET", s.https()+path, ""); resp.StatusCode != 200 {
			t.Errorf("%s: GET %s = %d; want 200, as without the new route", ex, path, resp.StatusCode)
		}
	}
}
