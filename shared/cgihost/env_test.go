package cgihost_test

import (
	"liso/shared/lisotest"

	"bufio"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/cgihost"
)

type envTest struct {
	name    string
	tls     bool
	request string            // "\n" line ends; HOST stands for the server's address
	body    string            // what the script must read on stdin
	want    map[string]string // beyond baseEnv
	// stdlib: compare with net/http/cgi, on every variable but those in
	// stdlibDiffers and in differs.
	stdlib  bool
	differs []string
}

var envTests = []envTest{
	{
		name: "the course's example",
		request: "GET /cgi/testfun/arg1/arg2/arg3?test=test HTTP/1.1\nHost: HOST\nAccept: text/html\n" +
			"Referer: http://HOST/index.html\nAccept-Encoding: gzip, deflate\nAccept-Language: en-US\n" +
			"Accept-Charset: utf-8\nCookie: a=1\nUser-Agent: liso-test\nConnection: keep-alive\n\n",
		want: map[string]string{
			"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
			"PATH_INFO": "/testfun/arg1/arg2/arg3", "QUERY_STRING": "test=test",
			"REQUEST_URI":          "/cgi/testfun/arg1/arg2/arg3?test=test",
			"HTTP_HOST":            "HOST",
			"HTTP_ACCEPT":          "text/html",
			"HTTP_REFERER":         "http://HOST/index.html",
			"HTTP_ACCEPT_ENCODING": "gzip, deflate", "HTTP_ACCEPT_LANGUAGE": "en-US", "HTTP_ACCEPT_CHARSET": "utf-8",
			"HTTP_COOKIE": "a=1", "HTTP_USER_AGENT": "liso-test", "HTTP_CONNECTION": "keep-alive",
		},
		stdlib: true,
	},
	{
		name: "POST with a body",
		request: "POST /cgi/add HTTP/1.1\nHost: HOST\nContent-Type: application/x-www-form-urlencoded\n" +
			"Content-Length: 22\n\ntitle=hello&text=world",
		body: "title=hello&text=world",
		want: map[string]string{
			"REQUEST_METHOD": "POST", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
			"PATH_INFO": "/add", "QUERY_STRING": "", "REQUEST_URI": "/cgi/add", "HTTP_HOST": "HOST",
			"CONTENT_LENGTH": "22", "CONTENT_TYPE": "application/x-www-form-urlencoded",
		},
		stdlib: true,
	},
	{
		name: "chunked POST: decoded, counted",
		request: "POST /cgi/up HTTP/1.1\nHost: HOST\nTransfer-Encoding: chunked\nContent-Type: text/plain\n\n" +
			"5\nhello\n6\n world\n0\n\n",
		body: "hello world",
		want: map[string]string{
			"REQUEST_METHOD": "POST", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
			"PATH_INFO": "/up", "QUERY_STRING": "", "REQUEST_URI": "/cgi/up", "HTTP_HOST": "HOST",
			"CONTENT_LENGTH": "11", "CONTENT_TYPE": "text/plain",
		},
		// net/http/cgi refuses chunked request bodies.
	},
	{
		name: "odd header fields",
		request: "GET /cgi/odd HTTP/1.1\nHost: HOST\nProxy: http://evil.example:3128\nAuthorization: Basic c2VjcmV0\n" +
			"Proxy-Authorization: Basic c2VjcmV0\nX_Under: 1\nX-Dup: a\nx-dup: b\nCookie: a=1\nCookie: b=2\n" +
			"X-Empty:\nX-Digits-123: 7\nContent-Length: 0\n\n",
		want: map[string]string{
			"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
			"PATH_INFO": "/odd", "QUERY_STRING": "", "REQUEST_URI": "/cgi/odd", "HTTP_HOST": "HOST",
			"HTTP_X_DUP": "a, b", "HTTP_COOKIE": "a=1; b=2", "HTTP_X_EMPTY": "", "HTTP_X_DIGITS_123": "7",
			"CONTENT_LENGTH": "0",
		},
		stdlib: true,
		// Kept from the script on purpose: credentials, and a name with
		// '_' that could pose as another field. net/http/cgi passes
		// them; it also omits CONTENT_LENGTH for an empty body.
		differs: []string{"HTTP_AUTHORIZATION", "HTTP_PROXY_AUTHORIZATION", "HTTP_X_UNDER", "CONTENT_LENGTH"},
	},
	{
		name:    "HTTP/1.0 without Host",
		request: "GET /cgi/old?x HTTP/1.0\n\n",
		want: map[string]string{
			"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.0", "SERVER_NAME": "127.0.0.1",
			"PATH_INFO": "/old", "QUERY_STRING": "x", "REQUEST_URI": "/cgi/old?x",
		},
		stdlib: true,
		// net/http/cgi says HTTP/1.1 whatever the request, takes
		// SERVER_NAME and SERVER_PORT from Host only, and sets an empty
		// HTTP_HOST for a request without Host.
		differs: []string{"SERVER_PROTOCOL", "SERVER_NAME", "SERVER_PORT", "HTTP_HOST"},
	},
	{
		name:    "encoded path with dot segments",
		request: "GET /cgi/a%20b/./c/../d/?x=%41+b HTTP/1.1\nHost: HOST\n\n",
		want: map[string]string{
			"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
			"PATH_INFO": "/a b/d/", "QUERY_STRING": "x=%41+b", "REQUEST_URI": "/cgi/a%20b/./c/../d/?x=%41+b",
			"HTTP_HOST": "HOST",
		},
		stdlib: true,
		// lisod cleans PATH_INFO; net/http/cgi passes "/a b/./c/../d/".
		differs: []string{"PATH_INFO"},
	},
	{
		// httpmsg.DecodePath's rule: %2F is a '/', '+' is a '+'.
		name:    "encoded slash and a plus in the path",
		request: "GET /cgi/a%2Fb+c%3F?q=a+b HTTP/1.1\nHost: HOST\n\n",
		want: map[string]string{
			"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
			"PATH_INFO": "/a/b+c?", "QUERY_STRING": "q=a+b", "REQUEST_URI": "/cgi/a%2Fb+c%3F?q=a+b",
			"HTTP_HOST": "HOST",
		},
		stdlib: true,
	},
	{
		name:    "the prefix alone",
		request: "GET /cgi HTTP/1.1\nHost: HOST\n\n",
		want: map[string]string{
			"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
			"PATH_INFO": "", "QUERY_STRING": "", "REQUEST_URI": "/cgi", "HTTP_HOST": "HOST",
		},
		stdlib: true,
	},
	{
		name:    "absolute-form target",
		request: "GET http://HOST/cgi/abs?q=1 HTTP/1.1\nHost: HOST\n\n",
		want: map[string]string{
			"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
			"PATH_INFO": "/abs", "QUERY_STRING": "q=1", "REQUEST_URI": "/cgi/abs?q=1", "HTTP_HOST": "HOST",
		},
		stdlib: true,
	},
	{
		name:    "HTTPS",
		tls:     true,
		request: "GET /cgi/secure?s=1 HTTP/1.1\nHost: HOST\nUser-Agent: liso-test\n\n",
		want: map[string]string{
			"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "127.0.0.1",
			"PATH_INFO": "/secure", "QUERY_STRING": "s=1", "REQUEST_URI": "/cgi/secure?s=1",
			"HTTP_HOST": "HOST", "HTTP_USER_AGENT": "liso-test", "HTTPS": "on",
		},
		stdlib: true,
	},
}

// stdlibDiffers are the variables where lisod and net/http/cgi always
// differ, on purpose.
var stdlibDiffers = []string{
	"SERVER_SOFTWARE", // "Liso/1.0" and "go"
	"REMOTE_HOST",     // net/http/cgi repeats REMOTE_ADDR; RFC 3875 4.1.9 allows leaving it out
	// RFC 3875 4.1.18: fields already in CONTENT_LENGTH and CONTENT_TYPE
	// need not be repeated; net/http/cgi repeats them.
	"HTTP_CONTENT_LENGTH", "HTTP_CONTENT_TYPE",
	// net/http/cgi passes these on from its own environment; lisod passes PATH only.
	"LD_LIBRARY_PATH", "GODEBUG", "TMPDIR", "TZ",
}

// envReply sends raw (with HOST replaced by addr) on a new connection and
// returns what the env child reported, and the client's port.
func envReply(t *testing.T, addr string, tlsConf *tls.Config, raw string) (childReport, string) {
	t.Helper()
	var c net.Conn = lisotest.Dial(t, addr)
	if tlsConf != nil {
		c = tls.Client(c, tlsConf)
	}
	if _, err := io.WriteString(c, crlf(strings.ReplaceAll(raw, "HOST", addr))); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("answer %d %q, %v; want 200 with the child's report", resp.StatusCode, body, err)
	}
	var rep childReport
	if err := json.Unmarshal(body, &rep); err != nil {
		t.Fatalf("the child's report %q: %v", body, err)
	}
	_, port, _ := net.SplitHostPort(c.LocalAddr().String())
	return rep, port
}

func TestEnvironment(t *testing.T) {
	script := goChild(t, "env")
	h := &cgihost.Handler{Script: script}
	addr, _ := startCGI(t, h)
	tlsAddr, tlsConf, _ := startCGITLS(t, &cgihost.Handler{Script: script})

	// The reference: net/http/cgi running the same child.
	ref := httptest.NewServer(&cgi.Handler{Path: script, Root: "/cgi"})
	defer ref.Close()
	refTLS := httptest.NewUnstartedServer(&cgi.Handler{Path: script, Root: "/cgi"})
	refTLS.TLS, _ = lisotest.TLSConfigs(t)
	refTLS.StartTLS()
	defer refTLS.Close()
	_, refClientConf := lisotest.TLSConfigs(t)
	refClientConf.InsecureSkipVerify = true // a reference server with its own CA; only its answer matters

	for _, tt := range envTests {
		t.Run(tt.name, func(t *testing.T) {
			a, conf, refAddr := addr, (*tls.Config)(nil), ref.Listener.Addr().String()
			if tt.tls {
				a, conf, refAddr = tlsAddr, tlsConf, refTLS.Listener.Addr().String()
			}
			got, clientPort := envReply(t, a, conf, tt.request)
			_, serverPort, _ := net.SplitHostPort(a)
			want := map[string]string{
				"GATEWAY_INTERFACE": "CGI/1.1",
				"SERVER_SOFTWARE":   "Liso/1.0",
				"SERVER_PORT":       serverPort,
				"SCRIPT_NAME":       "/cgi",
				"SCRIPT_FILENAME":   script,
				"REMOTE_ADDR":       "127.0.0.1",
				"REMOTE_PORT":       clientPort,
				"PATH":              os.Getenv("PATH"),
			}
			for k, v := range tt.want {
				want[k] = strings.ReplaceAll(v, "HOST", a)
			}
			if diff := cmp.Diff(want, got.Env); diff != "" {
				t.Errorf("environment (-want +got):\n%s", diff)
			}
			if got.Body != tt.body {
				t.Errorf("stdin = %q; want %q", got.Body, tt.body)
			}
			if got.Cwd != filepath.Dir(script) {
				t.Errorf("working directory = %q; want the script's folder %q", got.Cwd, filepath.Dir(script))
			}
			if diff := cmp.Diff([]string{script}, got.Args); diff != "" {
				t.Errorf("arguments (-want +got):\n%s", diff)
			}

			if !tt.stdlib {
				return
			}
			var refConf *tls.Config
			if tt.tls {
				refConf = refClientConf
			}
			std, stdClientPort := envReply(t, refAddr, refConf, tt.request)
			ours, theirs := comparable(got.Env, tt.differs), comparable(std.Env, tt.differs)
			// The two servers and their clients have different ports
			// (which appear in HTTP_HOST too); the rest must agree.
			_, refPort, _ := net.SplitHostPort(refAddr)
			for k, v := range theirs {
				theirs[k] = strings.ReplaceAll(v, refAddr, a)
			}
			if theirs["REMOTE_PORT"] == stdClientPort {
				theirs["REMOTE_PORT"] = clientPort
			}
			if theirs["SERVER_PORT"] == refPort {
				theirs["SERVER_PORT"] = serverPort
			}
			if diff := cmp.Diff(theirs, ours); diff != "" {
				t.Errorf("environment, against net/http/cgi's (-net/http/cgi +lisod):\n%s", diff)
			}
		})
	}
}

// comparable copies env without the variables that differ on purpose.
func comparable(env map[string]string, differs []string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for _, k := range append(append([]string{}, stdlibDiffers...), differs...) {
		delete(out, k)
	}
	return out
}
