package httpmsg_test

import (
	"bufio"
	"io"
	"maps"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/httpmsg"
)

// parsed is what the differential test compares between this package and
// net/http: the parts both expose in the same shape.
type parsed struct {
	Method, Target, Proto, Host string
	Path                        string              // decoded; net/http's URL.Path
	Header                      map[string][]string // canonical names; without Host, Content-Length, Transfer-Encoding
	ContentLength               int64               // -1 for chunked
	Body                        string
}

// rewritten are the fields net/http takes out of Header (Host) or rewrites
// (it merges repeated Content-Length fields and drops both framing fields
// of a chunked request); they are compared through Host and ContentLength.
var rewritten = []string{"Host", "Content-Length", "Transfer-Encoding"}

// parseOurs reads raw with this package; ok is false on any error.
func parseOurs(raw string) (p parsed, ok bool) {
	r := httpmsg.NewReader(bufio.NewReader(strings.NewReader(raw)), httpmsg.Limits{})
	var req httpmsg.Request
	if err := r.ReadRequest(&req); err != nil {
		return p, false
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return p, false
	}
	h := map[string][]string{}
	for _, f := range req.Header {
		name := textproto.CanonicalMIMEHeaderKey(f.Name)
		h[name] = append(h[name], f.Value)
	}
	for _, name := range rewritten {
		delete(h, name)
	}
	return parsed{req.Method, req.Target, req.Proto, req.Host, req.Path, h, req.ContentLength, string(body)}, true
}

// parseStd reads raw with net/http's ReadRequest; ok is false on any error.
func parseStd(raw string) (p parsed, ok bool) {
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		return p, false
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return p, false
	}
	h := maps.Clone(map[string][]string(req.Header))
	for _, name := range rewritten {
		delete(h, name)
	}
	return parsed{req.Method, req.RequestURI, req.Proto, req.Host, stdPath(req), h, req.ContentLength, string(body)}, true
}

// stdPath is net/http's decoded path of req, cleaned as ours is (net/http
// leaves that to its ServeMux and FileServer). For an absolute-form
// target without a path ("http://host?x") net/http leaves URL.Path empty;
// ours is "/", which RFC 9110 4.2.3 says an empty path is equivalent to.
func stdPath(req *http.Request) string {
	if req.URL.Path == "" && req.URL.Scheme != "" {
		return "/"
	}
	return cleaned(req.URL.Path)
}

// differentialCorpus returns the raw requests of the table tests, plus a
// few real-world ones, keyed by a name.
func differentialCorpus() map[string]string {
	corpus := map[string]string{
		"browser GET": browserRequest,
		"curl POST form": crlf("POST /cgi/login HTTP/1.1\nHost: localhost:8080\nUser-Agent: curl/8.5.0\n"+
			"Accept: */*\nContent-Length: 27\nContent-Type: application/x-www-form-urlencoded\n\n") +
			"username=admin&password=def",
		"ab -k": crlf("GET /index.html HTTP/1.0\nConnection: Keep-Alive\nHost: 127.0.0.1:9999\nUser-Agent: ApacheBench/2.3\nAccept: */*\n\n"),
	}
	for _, tt := range readRequestTests {
		corpus["head: "+tt.name] = tt.rawBytes()
	}
	for _, tt := range bodyTests {
		corpus["body: "+tt.name] = crlf(tt.head) + tt.body
	}
	return corpus
}

// disagreements lists every corpus case where this package and net/http's
// ReadRequest (Go 1.26) do not agree, and why. Most are checks that
// net/http's server makes after ReadRequest (Host, 411, 417, methods),
// or leniencies of net/http that RFC 9112 advises against.
var disagreements = map[string]string{
	// Both accept, with different results.
	"head: HTTP/1.9 is processed as HTTP/1.1 (RFC 9110 2.5)": "net/http keeps Proto as sent; we report the version we process it as",

	// We accept; net/http refuses.
	"head: empty lines before the request line are skipped (RFC 9112 2.2)": "net/http does not skip empty lines before a request line (RFC 9112 2.2 says SHOULD)",
	"head: Content-Length list of identical values, and repeated":          "net/http accepts a repeated field but not a list \"5, 5\" in one field; RFC 9110 8.6 allows both",
	"head: chunked is case-insensitive; empty list elements ignored":       "net/http wants Transfer-Encoding to be exactly one element; RFC 9110 5.6.1 says empty elements are ignored",
	"body: chunked extensions skipped":                                     "net/http refuses BWS before ';' in a chunk extension, which RFC 9112 7.1.1 allows",

	// We refuse; net/http's ReadRequest accepts, and its server then
	// refuses (it checks these after ReadRequest).
	"head: HTTP/0.9":                           "ReadRequest accepts any HTTP/x.y; the server answers 505",
	"head: HTTP/2.0":                           "ReadRequest accepts any HTTP/x.y; the server answers 505",
	"head: HTTP/3.0":                           "ReadRequest accepts any HTTP/x.y; the server answers 505",
	"head: Host with a space":                  "ReadRequest does not check Host; the server answers 400",
	"head: Host with a slash":                  "ReadRequest does not check Host; the server answers 400",
	"head: Host with userinfo":                 "ReadRequest does not check Host; the server answers 400",
	"head: Expect something else":              "ReadRequest does not check Expect; the server answers 417",
	"head: Expect 100-continue and more":       "net/http's server sees the 100-continue token and ignores the rest; RFC 9110 10.1.1 lets a server answer 417 to any expectation it does not support",
	"head: 8193-byte field line with defaults": "ReadRequest has no line limit; the server limits the whole head to MaxHeaderBytes (1 MiB)",

	// We refuse; net/http accepts: it is more lenient than RFC 9112 asks,
	// or than we choose to be.
	"head: space before the colon":                 "net/http keeps \"Host \" as a field name; RFC 9112 5.1: MUST reject with 400",
	"head: obs-fold":                               "net/http unfolds obs-fold; RFC 9112 5.2 lets a server reject it with 400, and we do",
	"head: obs-fold with tab":                      "net/http unfolds obs-fold; RFC 9112 5.2 lets a server reject it with 400, and we do",
	"head: Transfer-Encoding and Content-Length":   "net/http frames by Transfer-Encoding and closes after; RFC 9112 6.1 allows that or a refusal: we refuse (smuggling)",
	"head: Transfer-Encoding on HTTP/1.0":          "net/http decodes chunked on HTTP/1.0; RFC 9112 6.1 says the framing is faulty",
	"head: POST without length":                    "net/http reads no body; the course wants 411",
	"head: fragment in the target":                 "net/http accepts '#' in the target; a fragment is never sent (RFC 9112 3.2)",
	"head: raw UTF-8 in the target":                "net/http accepts raw non-ASCII bytes; RFC 3986 allows only ASCII",
	"head: absolute-form ftp":                      "net/http accepts any scheme; an origin server serves http and https only",
	"head: absolute-form with userinfo":            "net/http accepts userinfo; RFC 9110 4.2.4 forbids it in http URIs",
	"head: absolute-form with empty host":          "net/http accepts http:///p; RFC 9110 4.2.1 forbids an empty host",
	"head: asterisk-form with GET":                 "net/http accepts '*' with any method; RFC 9112 3.2.4 has it for OPTIONS only",
	"head: authority-form with GET":                "net/http reads example.com:443 as a URI with scheme example.com; RFC 9112 3.2.3 has authority-form for CONNECT only",
	"head: authority-form without port":            "net/http accepts CONNECT host without a port; RFC 9112 3.2.3 requires the port",
	"head: CONNECT with origin-form":               "net/http accepts CONNECT /path (net/rpc uses it); RFC 9112 3.2.3 requires authority-form",
	"head: Host with a bad port":                   "net/http's server allows a non-numeric port in Host; port = *DIGIT",
	"head: Host that is only a port":               "net/http's server allows an empty host before the port; we want a name",
	"head: Host IPv6 with zone":                    "net/http's server allows a zone in an IPv6 literal; RFC 3986 has none",
	"head: Host IPv6 unclosed":                     "net/http's server does not check brackets",
	"head: Host IPv6 not an address":               "net/http's server does not check IP-literals",
	"body: chunk size with trailing space":         "net/http trims whitespace after the size; RFC 9112 7.1 allows it only before ';'",
	"body: chunk extension without name":           "net/http ignores everything after ';' unchecked; we check chunk-ext syntax",
	"body: chunk extension unclosed quote":         "net/http ignores everything after ';' unchecked; we check chunk-ext syntax",
	"body: chunk extension with control character": "net/http ignores everything after ';' unchecked; we check chunk-ext syntax",
	"body: trailer obs-fold":                       "net/http unfolds obs-fold in trailers too",
	"body: trailer with space before colon":        "net/http keeps \"X \" as a trailer name",
}

func TestDifferential(t *testing.T) {
	corpus := differentialCorpus()
	got := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(corpus)) {
		raw := corpus[name]
		ours, oursOK := parseOurs(raw)
		std, stdOK := parseStd(raw)
		switch {
		case oursOK && stdOK:
			if diff := cmp.Diff(std, ours); diff != "" {
				got[name] = "both accept, results differ"
				if _, listed := disagreements[name]; !listed {
					t.Errorf("%s: parse(%.200q) differs from net/http (-net/http +ours):\n%s", name, raw, diff)
				}
			}
		case oursOK:
			got[name] = "we accept, net/http refuses"
		case stdOK:
			got[name] = "we refuse, net/http accepts"
		}
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if _, listed := disagreements[name]; !listed {
			t.Errorf("unlisted disagreement: %q: %s: %.200q", name, got[name], corpus[name])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(disagreements)) {
		if _, ok := got[name]; !ok {
			t.Errorf("listed disagreement %q: no longer disagrees", name)
		}
	}
}

// browserRequest is what a current browser sends for a page.
var browserRequest = crlf("GET /docs/index.html?lang=en HTTP/1.1\n" +
	"Host: localhost:8080\n" +
	"Connection: keep-alive\n" +
	"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\n" +
	"sec-ch-ua-mobile: ?0\n" +
	"sec-ch-ua-platform: \"Linux\"\n" +
	"Upgrade-Insecure-Requests: 1\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\n" +
	"Sec-Fetch-Site: same-origin\n" +
	"Sec-Fetch-Mode: navigate\n" +
	"Sec-Fetch-User: ?1\n" +
	"Sec-Fetch-Dest: document\n" +
	"Referer: http://localhost:8080/\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\n" +
	"Accept-Language: en-US,en;q=0.9\n" +
	"Cookie: session=eyJsb2dnZWRfaW4iOnRydWV9.Zk1hBg.abcdefghijklmnopqrstuvwxyz012345\n" +
	"If-Modified-Since: Tue, 14 May 2024 08:00:00 GMT\n" +
	"\n")
