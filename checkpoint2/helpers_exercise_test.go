//go:build exercises

package main

import (
	"io"
	"net"
	"net/http"
	"regexp"
	"testing"
	"time"

	"liso/shared/lisotest"
)

// The exercises of docs/checkpoint2.md. They are kept out of the default
// test run by their build tag; run them with
//
//	go test -tags exercises -run TestExercise ./checkpoint2
//
// Each one fails until its exercise is solved, saying what is missing.

// exListenAddrRE finds the address in lisod's "listening on ADDR" line.
var exListenAddrRE = regexp.MustCompile(`listening on (\S+)`)

// exStart starts lisod with args and returns its base URL. When lisod does
// not start, the test fails naming the exercise.
func exStart(t *testing.T, exercise string, args ...string) string {
	t.Helper()
	p := lisotest.Start(t, nil, args...)
	line, err := p.ReadLine(10 * time.Second)
	if err != nil {
		p.Wait(t, hangGuard)
		t.Fatalf("%s: lisod %q did not start: %s", exercise, args, p.Stderr())
	}
	m := exListenAddrRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("%s: lisod's first line %q names no address", exercise, line)
	}
	_, port, _ := net.SplitHostPort(m[1])
	return "http://" + net.JoinHostPort("127.0.0.1", port)
}

// exClient follows no redirects: the tests look at each answer itself.
var exClient = &http.Client{
	Timeout:       hangGuard,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// exDo sends one request with the given header fields and returns the
// answer and its body.
func exDo(t *testing.T, method, url string, fields map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		req.Header.Set(k, v)
	}
	resp, err := exClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp, string(body)
}
