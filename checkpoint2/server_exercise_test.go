//go:build exercises

package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Exercise 3: a configurable Server header. lisod --server-header VALUE
// sends VALUE as the Server header of every answer, errors included; the
// default stays Liso/1.0. See docs/checkpoint2.md, "Exercises".
func TestExercise3ServerHeader(t *testing.T) {
	const ex = "exercise 3 (Server header)"
	const name = "Liso/1.0 (course build)"
	base := exStart(t, ex, "--bind", "127.0.0.1", "--server-header", name, "0")

	for _, path := range []string{"/", "/no-such-page"} {
		if resp, _ := exDo(t, "GET", base+path, nil); resp.Header.Get("Server") != name {
			t.Errorf("%s: GET %s (%d) has Server: %q; want %q", ex, path, resp.StatusCode, resp.Header.Get("Server"), name)
		}
	}

	// A request lisod cannot parse (two Host fields) is answered
	// before any handler runs; it carries the header too.
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), hangGuard)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(hangGuard))
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: no answer to a request with two Host fields: %v", ex, err)
	}
	if resp.StatusCode != 400 || resp.Header.Get("Server") != name {
		t.Errorf("%s: a request with two Host fields = %d with Server: %q; want 400 with %q", ex, resp.StatusCode, resp.Header.Get("Server"), name)
	}
}
