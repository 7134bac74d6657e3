package cgihost

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/httpmsg"
)

type parseHeaderTest struct {
	in   string
	want header
	rest string // the body left after the block
	err  string // "" for success; else a substring of the error
}

func fields(kv ...string) []httpmsg.Field {
	var fs []httpmsg.Field
	for i := 0; i+1 < len(kv); i += 2 {
		fs = append(fs, httpmsg.Field{Name: kv[i], Value: kv[i+1]})
	}
	return fs
}

var parseHeaderTests = []parseHeaderTest{
	{in: "Content-Type: text/html\n\n<p>hi", rest: "<p>hi",
		want: header{contentLength: -1, fields: fields("Content-Type", "text/html")}},
	{in: "Content-Type: text/html\r\n\r\n<p>hi", rest: "<p>hi",
		want: header{contentLength: -1, fields: fields("Content-Type", "text/html")}},
	{in: "Status: 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nnope", rest: "nope",
		want: header{status: 404, contentLength: 4, fields: fields("Content-Type", "text/plain")}},
	{in: "status:201\nX-A:  spaced value \t\n\n",
		want: header{status: 201, contentLength: -1, fields: fields("X-A", "spaced value")}},
	{in: "Location: /cgi/next?x=1\n\n",
		want: header{location: "/cgi/next?x=1", contentLength: -1, fields: fields("Location", "/cgi/next?x=1")}},
	{in: "Status: 302 Found\nLocation: /\nSet-Cookie: session=abc; HttpOnly; Path=/\nContent-Type: text/html\n\n<a>",
		rest: "<a>",
		want: header{status: 302, location: "/", contentLength: -1,
			fields: fields("Location", "/", "Set-Cookie", "session=abc; HttpOnly; Path=/", "Content-Type", "text/html")}},
	{in: "Set-Cookie: a=1\nSet-Cookie: b=2\n\n",
		want: header{contentLength: -1, fields: fields("Set-Cookie", "a=1", "Set-Cookie", "b=2")}},
	{in: "Content-Length: 3\nContent-Length: 3\n\nabc", rest: "abc",
		want: header{contentLength: 3}},
	{in: "X-Obs: caf\xe9\n\n", want: header{contentLength: -1, fields: fields("X-Obs", "caf\xe9")}},
	{in: "Content-Length: 0007\n\n", want: header{contentLength: 7}},
	{in: "Content-Length: 9223372036854775807\n\n", want: header{contentLength: 1<<63 - 1}},

	{in: "", err: "output ended"},
	{in: "Content-Type: text/html\n", err: "output ended"},
	{in: "\nbody", err: "empty header block"},
	{in: "hello world\n\n", err: "not a header line"},
	{in: "HTTP/1.1 200 OK\n\n", err: "not a header line"},
	{in: "Bad Name: x\n\n", err: "not a header line"},
	{in: "Name : x\n\n", err: "not a header line"},
	{in: ": x\n\n", err: "not a header line"},
	{in: " folded: x\n\n", err: "not a header line"},
	{in: "X: a\rInjected: b\n\n", err: "control character"},
	{in: "X: a\x00b\n\n", err: "control character"},
	{in: "Status: abc\n\n", err: "bad Status"},
	{in: "Status: 99 Low\n\n", err: "bad Status"},
	{in: "Status: 101 Switching Protocols\n\n", err: "bad Status"},
	{in: "Status: 2000\n\n", err: "bad Status"},
	{in: "Status: 200\nStatus: 404\n\n", err: "repeated Status"},
	{in: "Location: /a\nLocation: /b\n\n", err: "repeated Location"},
	{in: "Location:\n\n", err: "empty Location"},
	{in: "Content-Length: -1\n\n", err: "bad Content-Length"},
	{in: "Content-Length: 1e3\n\n", err: "bad Content-Length"},
	{in: "Content-Length: 1\nContent-Length: 2\n\n", err: "bad Content-Length"},
	{in: "Content-Length: +5\n\n", err: "bad Content-Length"},
	{in: "Content-Length: 9223372036854775808\n\n", err: "bad Content-Length"},
	{in: "Status: +20 Plus\n\n", err: "bad Status"},
	{in: "X-Big: " + strings.Repeat("x", 200) + "\n\n", err: "too large"},
}

// testMaxHeader is the header limit of parseHeaderTests.
const testMaxHeader = 128

func TestParseHeader(t *testing.T) {
	for _, tt := range parseHeaderTests {
		// A reader smaller than the lines exercises long-line gathering.
		br := bufio.NewReaderSize(strings.NewReader(tt.in), 16)
		got, err := parseHeader(br, testMaxHeader)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !isHeaderError(err) {
				t.Errorf("parseHeader(%q) = %+v, %v; want a header error with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseHeader(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(header{})); diff != "" {
			t.Errorf("parseHeader(%q) (-want +got):\n%s", tt.in, diff)
		}
		if rest, _ := io.ReadAll(br); string(rest) != tt.rest {
			t.Errorf("parseHeader(%q) left %q; want %q", tt.in, rest, tt.rest)
		}
	}
}

// A read error that is not EOF (the deadline set when a script is killed)
// is returned as it is, so that the caller can tell why.
func TestParseHeaderReadError(t *testing.T) {
	boom := errors.New("boom")
	br := bufio.NewReader(io.MultiReader(strings.NewReader("Content-Type: x\n"), errReader{boom}))
	if _, err := parseHeader(br, testMaxHeader); !errors.Is(err, boom) {
		t.Errorf("parseHeader over a failing reader = %v; want %v", err, boom)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

type localRedirectTest struct {
	in   string
	want bool
}

var localRedirectTests = []localRedirectTest{
	{"Location: /cgi/next\n\n", true},
	{"Location: /\n\n", true},
	{"Location: //evil.example/x\n\n", false},
	{"Location: http://example.com/\n\n", false},
	{"Location: /x\nStatus: 302 Found\n\n", false},
	{"Location: /x\nSet-Cookie: a=b\n\n", false},
	{"Location: /x\nContent-Length: 0\n\n", false},
	{"Content-Type: text/plain\n\n", false},
}

func TestLocalRedirect(t *testing.T) {
	for _, tt := range localRedirectTests {
		h, err := parseHeader(bufio.NewReader(strings.NewReader(tt.in)), testMaxHeader)
		if err != nil {
			t.Fatalf("parseHeader(%q): %v", tt.in, err)
		}
		if got := h.localRedirect(); got != tt.want {
			t.Errorf("parseHeader(%q).localRedirect() = %v; want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzParseHeader checks that parseHeader never panics, never reads past
// its limit, and only accepts blocks whose fields survive being written
// out and parsed again.
func FuzzParseHeader(f *testing.F) {
	for _, tt := range parseHeaderTests {
		f.Add(tt.in)
	}
	f.Add("Status: 302 Found\r\nLocation: /\r\nSet-Cookie: s=1\r\n\r\n")
	f.Add("HTTP/1.1 200 OK\r\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		r := strings.NewReader(in)
		br := bufio.NewReaderSize(r, 16)
		h, err := parseHeader(br, testMaxHeader)
		consumed := len(in) - r.Len() - br.Buffered()
		if consumed > testMaxHeader+16 {
			t.Fatalf("parseHeader(%q) consumed %d bytes; limit %d", in, consumed, testMaxHeader)
		}
		if err != nil {
			if !isHeaderError(err) {
				t.Fatalf("parseHeader(%q) = %v; want only header errors from a string", in, err)
			}
			return
		}
		// Write the block out again and parse it: the same header.
		var b strings.Builder
		if h.status != 0 {
			b.WriteString("Status: " + strconv.Itoa(h.status) + "\n")
		}
		if h.contentLength >= 0 {
			b.WriteString("Content-Length: " + strconv.FormatInt(h.contentLength, 10) + "\n")
		}
		for _, fl := range h.fields {
			if !httpmsg.IsToken(fl.Name) || strings.ContainsAny(fl.Value, "\r\n\x00") {
				t.Fatalf("parseHeader(%q) accepted field %q", in, fl)
			}
			b.WriteString(fl.Name + ": " + fl.Value + "\n")
		}
		b.WriteString("\n")
		again, err := parseHeader(bufio.NewReader(strings.NewReader(b.String())), 1<<20)
		if err != nil {
			t.Fatalf("parseHeader(%q) = %+v, but its rewrite %q fails: %v", in, h, b.String(), err)
		}
		if diff := cmp.Diff(h, again, cmp.AllowUnexported(header{})); diff != "" {
			t.Fatalf("parseHeader(%q) and its rewrite differ (-first +again):\n%s", in, diff)
		}
	})
}
