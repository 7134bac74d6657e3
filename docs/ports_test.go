package docs_test

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// coursePorts are the ports the pages use: lisod's default HTTP and HTTPS
// ports, and 9999 for the checkpoints' "try it by hand". A student often
// keeps a lisod running on them, so each page runs on free ports instead:
// its commands and its documented output are rewritten alike.
var coursePorts = []string{"8080", "8443", "9999"}

// portRE matches a course port as a whole number: "18080", "80801" and
// "8080ms" are left alone. A page must not use these numbers for anything
// but ports (a byte count of 8080 would be rewritten too, and then fail).
var portRE = regexp.MustCompile(`\b(?:8080|8443|9999)\b`)

// portMap maps each course port to the port a page runs on instead.
type portMap map[string]string

// rewrite puts the page's ports in place of the course ports in s.
func (m portMap) rewrite(s string) string {
	return portRE.ReplaceAllStringFunc(s, func(p string) string { return m[p] })
}

// env makes lisod's default ports, used when a command names none, the
// page's ports too.
func (m portMap) env() []string {
	return []string{"LISOD_HTTP_PORT=" + m["8080"], "LISOD_HTTPS_PORT=" + m["8443"]}
}

// rewriteSteps returns a copy of steps that runs on the page's ports.
func (m portMap) rewriteSteps(steps []step) []step {
	out := make([]step, len(steps))
	for i, st := range steps {
		st.code, st.want = m.rewrite(st.code), m.rewrite(st.want)
		out[i] = st
	}
	return out
}

// pagePorts picks a free port for each course port. The ports come from
// below the kernel's ephemeral range (ip_local_port_range), which the
// kernel never hands out by itself, neither to a client's connect nor to
// a listen on port 0; so between the pick and lisod's listen only a
// program that asks for that very port can take it.
func pagePorts(t *testing.T) portMap {
	t.Helper()
	const lowest = 10000
	high := ephemeralLow()
	m := portMap{}
	taken := map[int]bool{}
	for _, p := range coursePorts {
		n, _ := strconv.Atoi(p)
		taken[n] = true
	}
	for _, course := range coursePorts {
		var port int
		for range 100 {
			n := lowest + rand.IntN(high-lowest)
			if !taken[n] && isFree(n) {
				port = n
				break
			}
		}
		if port == 0 {
			t.Fatalf("found no free port in %d-%d for the page's %s", lowest, high-1, course)
		}
		taken[port] = true
		m[course] = strconv.Itoa(port)
	}
	return m
}

// ephemeralLow is the first port of the kernel's ephemeral range, or
// Linux's default when it cannot be read.
func ephemeralLow() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				return n
			}
		}
	}
	return 32768
}

// isFree reports whether nothing listens on port, on any address: lisod
// listens on all of them unless a page says --bind.
func isFree(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// holdCoursePorts listens on every course port that is free until the
// test ends, as a student's own lisod would: a page command that still
// reached a course port would then fail instead of passing by chance.
func holdCoursePorts(t *testing.T) {
	t.Helper()
	for _, p := range coursePorts {
		l, err := net.Listen("tcp", ":"+p)
		if err != nil {
			continue // already taken, which is just as good
		}
		t.Cleanup(func() { l.Close() })
	}
}

var rewriteTests = []struct{ in, want string }{
	{"go run ./checkpoint1 --bind 127.0.0.1 9999", "go run ./checkpoint1 --bind 127.0.0.1 20001"},
	{"./lisod 8080 8443 lisod.log lisod.lock", "./lisod 20002 20003 lisod.log lisod.lock"},
	{"HTTP listening on [::]:8080, HTTPS listening on [::]:8443;", "HTTP listening on [::]:20002, HTTPS listening on [::]:20003;"},
	{"curl -s http://localhost:8080/cgi/ https://localhost:8443/", "curl -s http://localhost:20002/cgi/ https://localhost:20003/"},
	{"SERVER_PORT=8443", "SERVER_PORT=20003"},
	{`"http://localhost:9999$path"`, `"http://localhost:20001$path"`},
	{"--resolve www.example.test:8443:127.0.0.1", "--resolve www.example.test:20003:127.0.0.1"},
	// Numbers that only contain a course port stay as they are.
	{"18080 80801 88443 99999 8080ms v9999 8443_x", "18080 80801 88443 99999 8080ms v9999 8443_x"},
	{"Content-Length: 1036\nContent-Range: bytes 0-9/1036", "Content-Length: 1036\nContent-Range: bytes 0-9/1036"},
	{"(pid 48080) port 80", "(pid 48080) port 80"},
	{"", ""},
}

func TestRewritePorts(t *testing.T) {
	m := portMap{"9999": "20001", "8080": "20002", "8443": "20003"}
	for _, tt := range rewriteTests {
		if got := m.rewrite(tt.in); got != tt.want {
			t.Errorf("rewrite(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestPagePorts checks that a page's ports are distinct, free, and none
// of the course ports.
func TestPagePorts(t *testing.T) {
	m := pagePorts(t)
	seen := map[string]bool{}
	for _, course := range coursePorts {
		p := m[course]
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			t.Fatalf("pagePorts()[%s] = %q; want a port number", course, p)
		}
		if seen[p] || portRE.MatchString(p) {
			t.Errorf("pagePorts() = %v: %s is a course port or used twice", m, p)
		}
		seen[p] = true
		if !isFree(n) {
			t.Errorf("pagePorts()[%s] = %s, which is taken", course, p)
		}
	}
}
