package cgihost

import (
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/httpmsg"
)

// splitPathTest is a path as the client sent it: the test decodes and
// cleans it as the parser does (httpmsg.DecodePath) before splitPath sees
// it, so the rows show what a request for that path runs.
type splitPathTest struct {
	path, mount string
	pathInfo    string
	under, ok   bool
}

var splitPathTests = []splitPathTest{
	{"/cgi/testfun/arg1/arg2/arg3", "/cgi", "/testfun/arg1/arg2/arg3", true, true},
	{"/cgi", "/cgi", "", true, true},
	{"/cgi/", "/cgi", "/", true, true},
	{"/cgi/a/", "/cgi", "/a/", true, true},
	{"/cgi/a b/c", "/cgi", "/a b/c", true, true},
	{"/cgi/a+b", "/cgi", "/a+b", true, true},
	{"/cgi/a%25zz", "/cgi", "/a%zz", true, true}, // decoded once: a '%' is a '%'
	{"/cgi/a%2Fb", "/cgi", "/a/b", true, true},
	{"/cgi/x/../../etc/passwd", "/cgi", "", false, true}, // that is /etc/passwd: not CGI
	{"/cgi/../secret", "/cgi", "", false, true},
	{"/cgi/a/./b//c/..", "/cgi", "/a/b", true, true},
	{"/static/../cgi/x", "/cgi", "/x", true, true},
	{"/cgix", "/cgi", "", false, true},
	{"/index.html", "/cgi", "", false, true},
	{"/", "/cgi", "", false, true},
	{"/anything/at/all", "", "/anything/at/all", true, true},
	{"/cgi/a\x00b", "/cgi", "", false, false},
	{"/cgi/a\nb", "/cgi", "", false, false},
	{"/cgi/a\x7fb", "/cgi", "", false, false},
	{"", "/cgi", "", false, false}, // a local redirect whose path did not decode
	{"cgi/a", "/cgi", "", false, false},
}

func TestSplitPath(t *testing.T) {
	for _, tt := range splitPathTests {
		p, err := httpmsg.DecodePath(tt.path)
		if err != nil {
			t.Fatalf("DecodePath(%q): %v", tt.path, err)
		}
		pathInfo, under, ok := splitPath(p, tt.mount)
		if pathInfo != tt.pathInfo || under != tt.under || ok != tt.ok {
			t.Errorf("splitPath(%q, %q) = %q, %v, %v; want %q, %v, %v",
				tt.path, tt.mount, pathInfo, under, ok, tt.pathInfo, tt.under, tt.ok)
		}
	}
}

type serverNameTest struct {
	host  string
	local net.Addr
	want  string
}

var (
	local4 = &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 8080}
	local6 = &net.TCPAddr{IP: net.ParseIP("2001:db8::7"), Port: 8080}
)

var serverNameTests = []serverNameTest{
	{"example.com:8080", local4, "example.com"},
	{"example.com", local4, "example.com"},
	{"127.0.0.1:8080", local4, "127.0.0.1"},
	{"[::1]:8443", local6, "[::1]"},
	{"[::1]", local6, "[::1]"},
	{"", local4, "192.0.2.7"},
	{"", local6, "[2001:db8::7]"},
}

func TestServerName(t *testing.T) {
	for _, tt := range serverNameTests {
		if got := serverName(tt.host, tt.local); got != tt.want {
			t.Errorf("serverName(%q, %v) = %q; want %q", tt.host, tt.local, got, tt.want)
		}
	}
}

// TestBuildEnv checks the whole environment of one request, without a
// server: the end-to-end tests check what a real script receives.
func TestBuildEnv(t *testing.T) {
	req := &httpmsg.Request{
		Method: "POST", Target: "/cgi/form/x%20y?a=1&b", Path: "/cgi/form/x y", RawPath: "/cgi/form/x%20y", RawQuery: "a=1&b",
		Proto: "HTTP/1.1", Minor: 1, Host: "example.com:8080", ContentLength: 7,
		Header: httpmsg.Header{
			{Name: "Host", Value: "example.com:8080"},
			{Name: "Content-Type", Value: "text/plain"},
			{Name: "Content-Length", Value: "7"},
			{Name: "Proxy", Value: "http://evil:1"},
			{Name: "Authorization", Value: "Basic eA=="},
			{Name: "Accept", Value: "a"},
			{Name: "accept", Value: "b"},
			{Name: "X.Dot", Value: "dropped"},
			{Name: "X_Under", Value: "dropped"},
		},
	}
	got := buildEnv(envInput{
		req: req, mount: "/cgi", pathInfo: "/form/x y", script: "/srv/cgi/app.cgi",
		local:  &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 8080},
		remote: &net.TCPAddr{IP: net.ParseIP("198.51.100.9"), Port: 50123},
		https:  true, bodyLen: 7, pathVar: "/usr/bin:/bin",
	})
	want := []string{
		"CONTENT_LENGTH=7",
		"CONTENT_TYPE=text/plain",
		"GATEWAY_INTERFACE=CGI/1.1",
		"HTTPS=on",
		"HTTP_ACCEPT=a, b",
		"HTTP_HOST=example.com:8080",
		"PATH=/usr/bin:/bin",
		"PATH_INFO=/form/x y", // decoded (RFC 3875 4.1.5)
		"QUERY_STRING=a=1&b",
		"REMOTE_ADDR=198.51.100.9",
		"REMOTE_PORT=50123",
		"REQUEST_METHOD=POST",
		"REQUEST_URI=/cgi/form/x%20y?a=1&b", // as sent
		"SCRIPT_FILENAME=/srv/cgi/app.cgi",
		"SCRIPT_NAME=/cgi",
		"SERVER_NAME=example.com",
		"SERVER_PORT=8080",
		"SERVER_PROTOCOL=HTTP/1.1",
		"SERVER_SOFTWARE=Liso/1.0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("buildEnv (-want +got):\n%s", diff)
	}
}
