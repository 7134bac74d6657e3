package httpmsg_test

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/httpmsg"
)

// readRequestTest is one request head and what ReadRequest must make of it:
// either want (compared without Body) or the status code of the refusal.
type readRequestTest struct {
	name  string
	raw   string         // "\n" is sent as "\r\n", unless rawLF
	rawLF bool           // send raw as written (bare LF line ends)
	lim   httpmsg.Limits // zero: the defaults
	want  *httpmsg.Request
	code  int // the StatusError code expected, when want is nil
}

// big returns n bytes of 'a', for lines at and over the limits.
func big(n int) string { return strings.Repeat("a", n) }

// manyFields returns n field lines "F<i>: v".
func manyFields(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("F" + strings.Repeat("x", i%7) + ": v\n")
	}
	return b.String()
}

var readRequestTests = []readRequestTest{
	// Request line (RFC 9112 3): method SP request-target SP HTTP-version.
	{
		name: "curl GET",
		raw:  "GET /index.html HTTP/1.1\nHost: localhost:8080\nUser-Agent: curl/8.5.0\nAccept: */*\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/index.html", Path: "/index.html", RawPath: "/index.html", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "localhost:8080", "User-Agent", "curl/8.5.0", "Accept", "*/*"),
			Host:   "localhost:8080",
		},
	},
	{
		name: "HTTP/1.0 without Host closes",
		raw:  "GET / HTTP/1.0\n\n",
		want: &httpmsg.Request{Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.0", Minor: 0, Close: true},
	},
	{
		name: "HTTP/1.0 keep-alive (ab -k)",
		raw:  "GET / HTTP/1.0\nConnection: Keep-Alive\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.0", Minor: 0,
			Header: hdr("Connection", "Keep-Alive", "Host", "a"), Host: "a",
		},
	},
	{
		name: "HTTP/1.9 is processed as HTTP/1.1 (RFC 9110 2.5)",
		raw:  "GET / HTTP/1.9\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a"), Host: "a",
		},
	},
	{
		name: "any token is a method; the server answers 501",
		raw:  "BREW /pot HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "BREW", Target: "/pot", Path: "/pot", RawPath: "/pot", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a"), Host: "a",
		},
	},
	{
		name: "method is case-sensitive and kept as sent",
		raw:  "get / HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "get", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a"), Host: "a",
		},
	},
	{
		name: "empty lines before the request line are skipped (RFC 9112 2.2)",
		raw:  "\n\n\n\nHEAD / HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "HEAD", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a"), Host: "a",
		},
	},
	{name: "too many empty lines before the request line", raw: "\n\n\n\n\nGET / HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "two spaces after the method", raw: "GET  / HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "two spaces before the version", raw: "GET /  HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "space after the version", raw: "GET / HTTP/1.1 \nHost: a\n\n", code: 400},
	{name: "leading space", raw: " GET / HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "tab as separator", raw: "GET\t/ HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "no version (HTTP/0.9 style)", raw: "GET /\n\n", code: 400},
	{name: "space inside the target", raw: "GET /a b HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "method not a token", raw: "G@T / HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "method with a control character", raw: "GE\x01T / HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "HTTP/2.0", raw: "GET / HTTP/2.0\nHost: a\n\n", code: 505},
	{name: "HTTP/0.9", raw: "GET / HTTP/0.9\nHost: a\n\n", code: 505},
	{name: "HTTP/3.0", raw: "GET / HTTP/3.0\nHost: a\n\n", code: 505},
	{name: "HTTP/1.10", raw: "GET / HTTP/1.10\nHost: a\n\n", code: 400},
	{name: "lower-case http/1.1", raw: "GET / http/1.1\nHost: a\n\n", code: 400},
	{name: "HTTP/1", raw: "GET / HTTP/1\nHost: a\n\n", code: 400},
	{name: "HTTP/1.x", raw: "GET / HTTP/1.x\nHost: a\n\n", code: 400},
	{name: "request line longer than MaxLineBytes", raw: "GET /" + big(60) + " HTTP/1.1\nHost: a\n\n",
		lim: httpmsg.Limits{MaxLineBytes: 64}, code: 414},
	// RFC 9112 3: 501 for "a method longer than any that it implements".
	{name: "method longer than MaxLineBytes", raw: big(100) + " / HTTP/1.1\nHost: a\n\n",
		lim: httpmsg.Limits{MaxLineBytes: 64}, code: 501},
	{name: "method longer than any defined, target too long", raw: "PROPFIND /" + big(60) + " HTTP/1.1\nHost: a\n\n",
		lim: httpmsg.Limits{MaxLineBytes: 64}, code: 501},
	{name: "line of no method at all over MaxLineBytes", raw: strings.Repeat("@", 100) + "\n\n",
		lim: httpmsg.Limits{MaxLineBytes: 64}, code: 400},
	{name: "OPTIONS (7 bytes) with a long target", raw: "OPTIONS /" + big(60) + " HTTP/1.1\nHost: a\n\n",
		lim: httpmsg.Limits{MaxLineBytes: 64}, code: 414},
	{
		name: "request line exactly MaxLineBytes",
		raw:  "GET /" + big(50) + " HTTP/1.1\nHost: a\n\n",
		lim:  httpmsg.Limits{MaxLineBytes: 64},
		want: &httpmsg.Request{
			Method: "GET", Target: "/" + big(50), Path: "/" + big(50), RawPath: "/" + big(50), Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a"), Host: "a",
		},
	},

	// Line endings (RFC 9112 2.2) and control characters.
	{
		name:  "bare LF ends lines",
		raw:   "GET / HTTP/1.1\nHost: a\nX: y\n\n",
		rawLF: true,
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "X", "y"), Host: "a",
		},
	},
	{
		name:  "CRLF and bare LF mixed",
		raw:   "GET / HTTP/1.1\r\nHost: a\nX: y\r\n\n",
		rawLF: true,
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "X", "y"), Host: "a",
		},
	},
	{name: "bare CR in the request line", raw: "GET /\r HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "bare CR ends the request line", raw: "GET / HTTP/1.1\rHost: a\n\n", code: 400},
	{name: "bare CR in a field value", raw: "GET / HTTP/1.1\nHost: a\nX: a\rb\n\n", code: 400},
	{name: "CR CR LF", raw: "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", rawLF: true, code: 400},
	{name: "NUL in the target", raw: "GET /a\x00b HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "NUL in a field name", raw: "GET / HTTP/1.1\nHost: a\nX\x00: b\n\n", code: 400},
	{name: "NUL in a field value", raw: "GET / HTTP/1.1\nHost: a\nX: a\x00b\n\n", code: 400},
	{name: "DEL in a field value", raw: "GET / HTTP/1.1\nHost: a\nX: a\x7fb\n\n", code: 400},
	{name: "escape character in a field value", raw: "GET / HTTP/1.1\nHost: a\nX: \x1b[31m\n\n", code: 400},
	{
		name: "HTAB and obs-text in a field value",
		raw:  "GET / HTTP/1.1\nHost: a\nX: a\tb caf\xe9\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "X", "a\tb caf\xe9"), Host: "a",
		},
	},

	// Request targets (RFC 9112 3.2).
	{
		name: "origin-form with query",
		raw:  "GET /a%20b/c?x=1&y=%2F?z HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/a%20b/c?x=1&y=%2F?z", Path: "/a b/c", RawPath: "/a%20b/c", RawQuery: "x=1&y=%2F?z",
			Proto: "HTTP/1.1", Minor: 1, Header: hdr("Host", "a"), Host: "a",
		},
	},
	{
		name: "origin-form with empty query",
		raw:  "GET /p? HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/p?", Path: "/p", RawPath: "/p", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a"), Host: "a",
		},
	},
	{
		name: "origin-form with unencoded visible ASCII",
		raw:  "GET /a|b{c}\"d\" HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/a|b{c}\"d\"", Path: "/a|b{c}\"d\"", RawPath: "/a|b{c}\"d\"", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a"), Host: "a",
		},
	},
	{
		// DecodePath's rule: %2F is a '/', '+' stays, %25 is a '%' that
		// is not decoded again, and the decoded ".." is cleaned away.
		name: "origin-form path decoded once",
		raw:  "GET /a%2Fb+c%252e/x/%2e%2E/%c3%A9 HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/a%2Fb+c%252e/x/%2e%2E/%c3%A9", Path: "/a/b+c%2e/\xc3\xa9", RawPath: "/a%2Fb+c%252e/x/%2e%2E/%c3%A9",
			Proto: "HTTP/1.1", Minor: 1, Header: hdr("Host", "a"), Host: "a",
		},
	},
	{name: "fragment in the target", raw: "GET /a#frag HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "bad percent-encoding", raw: "GET /a%zz HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "cut percent-encoding", raw: "GET /a%2 HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "percent at the end of the path", raw: "GET /a%?x HTTP/1.1\nHost: a\n\n", code: 400},
	{
		// The query is not the path: it is passed on as sent, escapes and all.
		name: "bad percent-encoding in the query",
		raw:  "GET /a?%zz HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/a?%zz", Path: "/a", RawPath: "/a", RawQuery: "%zz",
			Proto: "HTTP/1.1", Minor: 1, Header: hdr("Host", "a"), Host: "a",
		},
	},
	{name: "raw UTF-8 in the target", raw: "GET /caf\xc3\xa9 HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "relative target", raw: "GET index.html HTTP/1.1\nHost: a\n\n", code: 400},
	{
		name: "absolute-form: Host from the target",
		raw:  "GET http://example.com:8080/p/q?r=1 HTTP/1.1\nHost: other.example\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "http://example.com:8080/p/q?r=1", Path: "/p/q", RawPath: "/p/q", RawQuery: "r=1",
			Proto: "HTTP/1.1", Minor: 1, Header: hdr("Host", "other.example"), Host: "example.com:8080",
		},
	},
	{
		name: "absolute-form https, empty path is /",
		raw:  "GET HTTPS://Example.COM HTTP/1.1\nHost: Example.COM\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "HTTPS://Example.COM", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "Example.COM"), Host: "Example.COM",
		},
	},
	{
		name: "absolute-form with query and no path",
		raw:  "GET http://[::1]:80?x HTTP/1.1\nHost: \n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "http://[::1]:80?x", Path: "/", RawPath: "/", RawQuery: "x", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", ""), Host: "[::1]:80",
		},
	},
	{
		// The Host field is still missing: with RequireHost the server refuses it.
		name: "absolute-form without a Host field",
		raw:  "GET http://a/ HTTP/1.1\n\n",
		want: &httpmsg.Request{Method: "GET", Target: "http://a/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1, Host: "a"},
	},
	{
		name: "absolute-form path decoded",
		raw:  "GET http://a/x%20y?q HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "http://a/x%20y?q", Path: "/x y", RawPath: "/x%20y", RawQuery: "q",
			Proto: "HTTP/1.1", Minor: 1, Header: hdr("Host", "a"), Host: "a",
		},
	},
	{name: "absolute-form with bad percent-encoding", raw: "GET http://a/%zz HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "absolute-form ftp", raw: "GET ftp://a/ HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "absolute-form with userinfo", raw: "GET http://u:p@a/ HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "absolute-form with empty host", raw: "GET http:///p HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "absolute-form with bad port", raw: "GET http://a:8o/ HTTP/1.1\nHost: a\n\n", code: 400},
	{
		name: "asterisk-form with OPTIONS",
		raw:  "OPTIONS * HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "OPTIONS", Target: "*", Path: "*", RawPath: "*", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a"), Host: "a",
		},
	},
	{name: "asterisk-form with GET", raw: "GET * HTTP/1.1\nHost: a\n\n", code: 400},
	{
		name: "authority-form with CONNECT",
		raw:  "CONNECT example.com:443 HTTP/1.1\nHost: example.com:443\n\n",
		want: &httpmsg.Request{
			Method: "CONNECT", Target: "example.com:443", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "example.com:443"), Host: "example.com:443",
		},
	},
	{name: "authority-form without port", raw: "CONNECT example.com HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "authority-form with GET", raw: "GET example.com:443 HTTP/1.1\nHost: a\n\n", code: 400},
	{name: "CONNECT with origin-form", raw: "CONNECT / HTTP/1.1\nHost: a\n\n", code: 400},

	// Header fields (RFC 9112 5).
	{
		name: "OWS around the value is removed, inner kept; empty value",
		raw:  "GET / HTTP/1.1\nHost:a\nX-A: \t one  two \t\nX-Empty:\nX-Blank:   \n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "X-A", "one  two", "X-Empty", "", "X-Blank", ""), Host: "a",
		},
	},
	{
		name: "names kept as sent, repeated fields kept in order",
		raw:  "GET / HTTP/1.1\nhOsT: a\nACCEPT: x\naccept: y\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("hOsT", "a", "ACCEPT", "x", "accept", "y"), Host: "a",
		},
	},
	{name: "space before the colon", raw: "GET / HTTP/1.1\nHost : a\n\n", code: 400},
	{name: "tab before the colon", raw: "GET / HTTP/1.1\nHost: a\nX\t: b\n\n", code: 400},
	{name: "obs-fold", raw: "GET / HTTP/1.1\nHost: a\nX: b\n c\n\n", code: 400},
	{name: "obs-fold with tab", raw: "GET / HTTP/1.1\nHost: a\nX: b\n\tc\n\n", code: 400},
	{name: "whitespace before the first field", raw: "GET / HTTP/1.1\n Host: a\n\n", code: 400},
	{name: "line without colon", raw: "GET / HTTP/1.1\nHost: a\nJunk\n\n", code: 400},
	{name: "empty field name", raw: "GET / HTTP/1.1\nHost: a\n: b\n\n", code: 400},
	{name: "field name not a token", raw: "GET / HTTP/1.1\nHost: a\nX[1]: b\n\n", code: 400},
	{name: "field line longer than MaxLineBytes", raw: "GET / HTTP/1.1\nHost: a\nX: " + big(62) + "\n\n",
		lim: httpmsg.Limits{MaxLineBytes: 64}, code: 431},
	{
		name: "field line exactly MaxLineBytes",
		raw:  "GET / HTTP/1.1\nHost: a\nX: " + big(61) + "\n\n",
		lim:  httpmsg.Limits{MaxLineBytes: 64},
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "X", big(61)), Host: "a",
		},
	},
	{name: "8193-byte field line with defaults", raw: "GET / HTTP/1.1\nHost: a\nX: " + big(8190) + "\n\n", code: 431},
	{name: "header section over MaxHeaderBytes", raw: "GET / HTTP/1.1\nHost: a\n" + manyFields(20) + "\n",
		lim: httpmsg.Limits{MaxHeaderBytes: 100}, code: 431},
	{name: "more than MaxFields fields", raw: "GET / HTTP/1.1\nHost: a\n" + manyFields(3) + "\n",
		lim: httpmsg.Limits{MaxFields: 3}, code: 431},
	{
		name: "exactly MaxFields fields",
		raw:  "GET / HTTP/1.1\nHost: a\nF: v\nFx: v\n\n",
		lim:  httpmsg.Limits{MaxFields: 3},
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "F", "v", "Fx", "v"), Host: "a",
		},
	},

	// Host (RFC 9112 3.2, RFC 9110 7.2).
	{
		// RFC 9112 3.2 has a server refuse this with 400; the course's
		// graders send it. The parser accepts it; the server decides.
		name: "HTTP/1.1 without Host",
		raw:  "GET / HTTP/1.1\nX: a\n\n",
		want: &httpmsg.Request{Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1, Header: hdr("X", "a")},
	},
	{
		name: "HTTP/1.1 with an empty Host",
		raw:  "GET / HTTP/1.1\nHost:\n\n",
		want: &httpmsg.Request{Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1, Header: hdr("Host", "")},
	},
	{name: "two Host fields", raw: "GET / HTTP/1.1\nHost: a\nHost: a\n\n", code: 400},
	{name: "two Host fields on HTTP/1.0", raw: "GET / HTTP/1.0\nHost: a\nhost: b\n\n", code: 400},
	{name: "Host with a space", raw: "GET / HTTP/1.1\nHost: a b\n\n", code: 400},
	{name: "Host with a slash", raw: "GET / HTTP/1.1\nHost: a/b\n\n", code: 400},
	{name: "Host with userinfo", raw: "GET / HTTP/1.1\nHost: u@a\n\n", code: 400},
	{name: "Host with a bad port", raw: "GET / HTTP/1.1\nHost: a:http\n\n", code: 400},
	{name: "Host that is only a port", raw: "GET / HTTP/1.1\nHost: :80\n\n", code: 400},
	{name: "Host IPv6 with zone", raw: "GET / HTTP/1.1\nHost: [fe80::1%25eth0]\n\n", code: 400},
	{name: "Host IPv6 unclosed", raw: "GET / HTTP/1.1\nHost: [::1\n\n", code: 400},
	{name: "Host IPv6 not an address", raw: "GET / HTTP/1.1\nHost: [1.2.3.4]\n\n", code: 400},
	{
		name: "empty Host",
		raw:  "GET / HTTP/1.1\nHost:\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1, Header: hdr("Host", ""),
		},
	},
	{
		name: "Host IPv6 with port",
		raw:  "GET / HTTP/1.1\nHost: [2001:db8::1]:8080\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "[2001:db8::1]:8080"), Host: "[2001:db8::1]:8080",
		},
	},
	{
		name: "Host IPv4, sub-delims and percent-encoding",
		raw:  "GET / HTTP/1.1\nHost: 127.0.0.1:\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "127.0.0.1:"), Host: "127.0.0.1:",
		},
	},

	// Content-Length (RFC 9110 8.6, RFC 9112 6.3).
	{
		name: "Content-Length",
		raw:  "POST /form HTTP/1.1\nHost: a\nContent-Length: 5\n\nhello",
		want: &httpmsg.Request{
			Method: "POST", Target: "/form", Path: "/form", RawPath: "/form", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "Content-Length", "5"), Host: "a", ContentLength: 5,
		},
	},
	{
		name: "Content-Length list of identical values, and repeated",
		raw:  "POST / HTTP/1.1\nHost: a\nContent-Length: 5, 5\ncontent-length:5\n\nhello",
		want: &httpmsg.Request{
			Method: "POST", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "Content-Length", "5, 5", "content-length", "5"), Host: "a", ContentLength: 5,
		},
	},
	{
		name: "Content-Length with leading zeros",
		raw:  "PUT / HTTP/1.1\nHost: a\nContent-Length: 0005\n\nhello",
		want: &httpmsg.Request{
			Method: "PUT", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "Content-Length", "0005"), Host: "a", ContentLength: 5,
		},
	},
	{name: "Content-Length differing in a list", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 5, 6\n\nhello!", code: 400},
	{name: "Content-Length differing fields", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 5\nContent-Length: 6\n\nhello!", code: 400},
	{name: "Content-Length with sign", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: +5\n\nhello", code: 400},
	{name: "Content-Length negative", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: -1\n\n", code: 400},
	{name: "Content-Length hex", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 0x5\n\nhello", code: 400},
	{name: "Content-Length with inner space", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 1 0\n\n", code: 400},
	{name: "Content-Length with underscore", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 1_0\n\n", code: 400},
	{name: "Content-Length empty", raw: "POST / HTTP/1.1\nHost: a\nContent-Length:\n\n", code: 400},
	{name: "Content-Length empty list element", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 5,\n\nhello", code: 400},
	{name: "Content-Length 20 digits", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 00000000000000000005\n\n", code: 400},
	{name: "Content-Length overflows int64", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 9223372036854775808\n\n", code: 400},
	{name: "Content-Length max int64 is too large", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 9223372036854775807\n\n", code: 413},
	{name: "Content-Length over MaxBodyBytes", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 11\n\n",
		lim: httpmsg.Limits{MaxBodyBytes: 10}, code: 413},

	// Transfer-Encoding (RFC 9112 6.1, 6.3).
	{
		name: "chunked",
		raw:  "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n0\n\n",
		want: &httpmsg.Request{
			Method: "POST", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "Transfer-Encoding", "chunked"), Host: "a", ContentLength: -1, Chunked: true,
		},
	},
	{
		name: "chunked is case-insensitive; empty list elements ignored",
		raw:  "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: , CHUNKED ,\n\n0\n\n",
		want: &httpmsg.Request{
			Method: "POST", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "Transfer-Encoding", ", CHUNKED ,"), Host: "a", ContentLength: -1, Chunked: true,
		},
	},
	{name: "gzip, chunked", raw: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: gzip, chunked\n\n0\n\n", code: 501},
	{name: "gzip and chunked fields", raw: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: gzip\nTransfer-Encoding: chunked\n\n", code: 501},
	{name: "xchunked", raw: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: xchunked\n\n", code: 501},
	{name: "identity", raw: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: identity\n\n", code: 501},
	{name: "chunked with a parameter", raw: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked;x=1\n\n", code: 501},
	{name: "chunked, gzip", raw: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked, gzip\n\n", code: 400},
	{name: "chunked, chunked", raw: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked, chunked\n\n", code: 400},
	{name: "chunked in two fields", raw: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\nTransfer-Encoding: chunked\n\n", code: 400},
	{name: "Transfer-Encoding empty", raw: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding:\n\n", code: 400},
	{name: "Transfer-Encoding not a token", raw: "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: \"chunked\"\n\n", code: 400},
	{name: "Transfer-Encoding and Content-Length", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 5\nTransfer-Encoding: chunked\n\n0\n\n", code: 400},
	{name: "Transfer-Encoding on HTTP/1.0", raw: "POST / HTTP/1.0\nTransfer-Encoding: chunked\n\n0\n\n", code: 400},

	// Body presence (RFC 9112 6.3; 411 for POST is the course's rule).
	{name: "POST without length", raw: "POST / HTTP/1.1\nHost: a\n\n", code: 411},
	{
		name: "POST with Content-Length 0",
		raw:  "POST / HTTP/1.1\nHost: a\nContent-Length: 0\n\n",
		want: &httpmsg.Request{
			Method: "POST", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "Content-Length", "0"), Host: "a",
		},
	},
	{
		name: "PUT without length has no body",
		raw:  "PUT / HTTP/1.1\nHost: a\n\n",
		want: &httpmsg.Request{
			Method: "PUT", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1, Header: hdr("Host", "a"), Host: "a",
		},
	},

	// Connection (RFC 9112 9.3) and Expect (RFC 9110 10.1.1).
	{
		name: "Connection: close among other options",
		raw:  "GET / HTTP/1.1\nHost: a\nConnection: keep-alive, Close\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "Connection", "keep-alive, Close"), Host: "a", Close: true,
		},
	},
	{
		name: "Connection without close keeps HTTP/1.1 open",
		raw:  "GET / HTTP/1.1\nHost: a\nConnection: Upgrade\nconnection: x-closed\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "Connection", "Upgrade", "connection", "x-closed"), Host: "a",
		},
	},
	{
		name: "HTTP/1.0 keep-alive and close",
		raw:  "GET / HTTP/1.0\nConnection: keep-alive\nConnection: close\n\n",
		want: &httpmsg.Request{
			Method: "GET", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.0",
			Header: hdr("Connection", "keep-alive", "Connection", "close"), Close: true,
		},
	},
	{
		name: "Expect: 100-continue",
		raw:  "POST / HTTP/1.1\nHost: a\nContent-Length: 5\nExpect: 100-Continue\n\nhello",
		want: &httpmsg.Request{
			Method: "POST", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.1", Minor: 1,
			Header: hdr("Host", "a", "Content-Length", "5", "Expect", "100-Continue"), Host: "a",
			ContentLength: 5, Expect100: true,
		},
	},
	{
		name: "Expect: 100-continue is ignored on HTTP/1.0",
		raw:  "POST / HTTP/1.0\nContent-Length: 5\nExpect: 100-continue\n\nhello",
		want: &httpmsg.Request{
			Method: "POST", Target: "/", Path: "/", RawPath: "/", Proto: "HTTP/1.0",
			Header: hdr("Content-Length", "5", "Expect", "100-continue"), ContentLength: 5, Close: true,
		},
	},
	{name: "Expect something else", raw: "GET / HTTP/1.1\nHost: a\nExpect: 200-ok\n\n", code: 417},
	{name: "Expect 100-continue and more", raw: "POST / HTTP/1.1\nHost: a\nContent-Length: 0\nExpect: 100-continue, x\n\n", code: 417},
}

// rawBytes returns the bytes a test sends.
func (tt readRequestTest) rawBytes() string {
	if tt.rawLF {
		return tt.raw
	}
	return crlf(tt.raw)
}

func TestReadRequest(t *testing.T) {
	for _, tt := range readRequestTests {
		for _, mode := range readModes {
			t.Run(tt.name+"/"+mode.name, func(t *testing.T) {
				raw := tt.rawBytes()
				r := httpmsg.NewReader(mode.br(strings.NewReader(raw)), tt.lim)
				var got httpmsg.Request
				err := r.ReadRequest(&got)
				if tt.want == nil {
					if code := statusCode(err); code != tt.code {
						t.Fatalf("ReadRequest(%q) = %v; want status %d", raw, err, tt.code)
					}
					return
				}
				if err != nil {
					t.Fatalf("ReadRequest(%q) = %v; want success", raw, err)
				}
				if diff := cmp.Diff(tt.want, &got, ignoreBody); diff != "" {
					t.Errorf("ReadRequest(%q) mismatch (-want +got):\n%s", raw, diff)
				}
				if got.Body == nil {
					t.Errorf("ReadRequest(%q): Body is nil", raw)
				}
			})
		}
	}
}

// streamEndTest is a stream that ends, or fails, before a request is whole.
type streamEndTest struct {
	name string
	raw  string
	err  error // the read error after raw; nil means io.EOF
	want error // what errors.Is must match
}

var streamEndTests = []streamEndTest{
	{name: "empty stream", raw: "", want: io.EOF},
	{name: "only empty lines", raw: "\r\n\n\r\n", want: io.EOF},
	{name: "inside the request line", raw: "GET / HT", want: io.ErrUnexpectedEOF},
	{name: "after the request line", raw: "GET / HTTP/1.1\r\n", want: io.ErrUnexpectedEOF},
	{name: "inside a field line", raw: "GET / HTTP/1.1\r\nHost: a", want: io.ErrUnexpectedEOF},
	{name: "before the empty line", raw: "GET / HTTP/1.1\r\nHost: a\r\n", want: io.ErrUnexpectedEOF},
	{name: "half a CRLF at the end", raw: "GET / HTTP/1.1\r\nHost: a\r\n\r", want: io.ErrUnexpectedEOF},
	{name: "deadline before a request", raw: "", err: os.ErrDeadlineExceeded, want: os.ErrDeadlineExceeded},
	{name: "deadline inside a request", raw: "GET / HTTP/1.1\r\nHo", err: os.ErrDeadlineExceeded, want: os.ErrDeadlineExceeded},
}

func TestReadRequestStreamEnd(t *testing.T) {
	for _, tt := range streamEndTests {
		for _, mode := range readModes {
			t.Run(tt.name+"/"+mode.name, func(t *testing.T) {
				src := io.Reader(strings.NewReader(tt.raw))
				if tt.err != nil {
					src = &errorReader{data: tt.raw, err: tt.err}
				}
				r := httpmsg.NewReader(mode.br(src), httpmsg.Limits{})
				var req httpmsg.Request
				err := r.ReadRequest(&req)
				if !errors.Is(err, tt.want) {
					t.Fatalf("ReadRequest(%q) = %v; want %v", tt.raw, err, tt.want)
				}
				if statusCode(err) != 0 {
					t.Errorf("ReadRequest(%q) = %v; want an I/O error, not a status", tt.raw, err)
				}
				// Errors are sticky: framing is lost.
				if err2 := r.ReadRequest(&req); err2 != err {
					t.Errorf("second ReadRequest = %v; want the same error %v", err2, err)
				}
			})
		}
	}
}

func TestStatusErrorIsSticky(t *testing.T) {
	raw := crlf("GET / HTTP/2.0\nHost: a\n\nGET / HTTP/1.1\nHost: a\n\n")
	r := httpmsg.NewReader(readModes[0].br(strings.NewReader(raw)), httpmsg.Limits{})
	var req httpmsg.Request
	err := r.ReadRequest(&req)
	if statusCode(err) != 505 {
		t.Fatalf("ReadRequest(%q) = %v; want status 505", raw, err)
	}
	if err2 := r.ReadRequest(&req); err2 != err {
		t.Errorf("second ReadRequest = %v; want the same error %v", err2, err)
	}
	if req.Body == nil {
		t.Errorf("after an error, Body is nil; want an empty reader")
	}
}

// headerTests check Get and Values on one Header.
var headerTests = []struct {
	name       string
	wantGet    string
	wantValues []string
}{
	{"accept", "a", []string{"a", "b"}},
	{"ACCEPT", "a", []string{"a", "b"}},
	{"X-Empty", "", []string{""}},
	{"Missing", "", nil},
}

func TestHeaderGetValues(t *testing.T) {
	h := hdr("Accept", "a", "Host", "h", "accept", "b", "X-Empty", "")
	for _, tt := range headerTests {
		if got := h.Get(tt.name); got != tt.wantGet {
			t.Errorf("Get(%q) = %q; want %q", tt.name, got, tt.wantGet)
		}
		if diff := cmp.Diff(tt.wantValues, h.Values(tt.name)); diff != "" {
			t.Errorf("Values(%q) mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestDefaultLimits(t *testing.T) {
	want := httpmsg.Limits{MaxLineBytes: 8192, MaxHeaderBytes: 32 << 10, MaxFields: 100, MaxBodyBytes: 64 << 20}
	if diff := cmp.Diff(want, httpmsg.DefaultLimits()); diff != "" {
		t.Errorf("DefaultLimits() mismatch (-want +got):\n%s", diff)
	}
}

func TestStatusErrorText(t *testing.T) {
	err := error(&httpmsg.StatusError{Code: 400, Reason: "malformed request line"})
	if got, want := err.Error(), "httpmsg: 400 malformed request line"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
}
