package httpmsg_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"liso/shared/httpmsg"
)

// validCodes are the only status codes the parser may produce.
var validCodes = map[int]bool{400: true, 411: true, 413: true, 414: true, 417: true, 431: true, 501: true, 505: true}

// checkError fails unless err is what the package promises: a *StatusError
// with a known code and a reason, or the end of the stream.
func checkError(t *testing.T, what string, data []byte, err error) {
	t.Helper()
	var se *httpmsg.StatusError
	switch {
	case errors.As(err, &se):
		if !validCodes[se.Code] || se.Reason == "" {
			t.Fatalf("%s(%q) = %#v; want a known code and a reason", what, data, se)
		}
	case err == io.EOF, err == io.ErrUnexpectedEOF:
	default:
		t.Fatalf("%s(%q) = %v; want *StatusError, io.EOF or io.ErrUnexpectedEOF", what, data, err)
	}
}

// isTokenForTest is an independent check of RFC 9110 5.6.2 token.
func isTokenForTest(s string) bool {
	return s != "" && strings.Trim(s, "!#$%&'*+-.^_`|~0123456789"+
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// FuzzReadRequest feeds arbitrary bytes to a Reader as a stream of
// pipelined requests. It must never panic or loop; every accepted request
// must satisfy the invariants below; and where net/http also accepts the
// first request, both must agree on its method, target and body.
func FuzzReadRequest(f *testing.F) {
	for _, tt := range readRequestTests {
		f.Add([]byte(tt.rawBytes()))
	}
	for _, tt := range bodyTests {
		f.Add([]byte(crlf(tt.head) + tt.body + next))
	}
	f.Add([]byte(browserRequest + browserRequest))

	f.Fuzz(func(t *testing.T, data []byte) {
		r := httpmsg.NewReader(bufio.NewReader(bytes.NewReader(data)), httpmsg.Limits{})
		var req httpmsg.Request
		for i := 0; ; i++ {
			err := r.ReadRequest(&req)
			if err != nil {
				checkError(t, "ReadRequest", data, err)
				return
			}
			if i > len(data) {
				t.Fatalf("ReadRequest(%q) returned more requests than there are bytes", data)
			}
			checkRequest(t, data, &req)
			body, err := io.ReadAll(req.Body)
			if err != nil {
				checkError(t, "reading body", data, err)
				return
			}
			if !req.Chunked && int64(len(body)) != req.ContentLength {
				t.Fatalf("ReadRequest(%q): body has %d bytes; Content-Length is %d", data, len(body), req.ContentLength)
			}
			if i == 0 {
				compareWithStd(t, data, &req, body)
			}
		}
	})
}

// checkRequest checks the invariants of an accepted request.
func checkRequest(t *testing.T, data []byte, req *httpmsg.Request) {
	t.Helper()
	bad := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("ReadRequest(%q): "+format, append([]any{data}, args...)...)
	}
	if !(req.Proto == "HTTP/1.1" && req.Minor == 1 || req.Proto == "HTTP/1.0" && req.Minor == 0) {
		bad("Proto %q, Minor %d", req.Proto, req.Minor)
	}
	if !isTokenForTest(req.Method) {
		bad("Method %q is not a token", req.Method)
	}
	if req.Target == "" || strings.ContainsFunc(req.Target, func(c rune) bool { return c <= ' ' || c >= 0x7f || c == '#' }) {
		bad("Target %q", req.Target)
	}
	if req.Chunked != (req.ContentLength == -1) || req.ContentLength < -1 {
		bad("Chunked %v with ContentLength %d", req.Chunked, req.ContentLength)
	}
	if req.Body == nil {
		bad("nil Body")
	}
	hosts := len(req.Header.Values("Host"))
	if hosts > 1 {
		bad("%d Host fields in an HTTP/%d.%d request", hosts, 1, req.Minor)
	}
	for _, f := range req.Header {
		if !isTokenForTest(f.Name) || strings.ContainsAny(f.Value, "\r\n\x00") || f.Value != strings.Trim(f.Value, " \t") {
			bad("field %q: %q", f.Name, f.Value)
		}
	}
	if strings.HasPrefix(req.Target, "/") {
		want := req.RawPath
		if strings.Contains(req.Target, "?") {
			want += "?" + req.RawQuery
		}
		if want != req.Target {
			bad("RawPath %q and RawQuery %q do not make Target %q", req.RawPath, req.RawQuery, req.Target)
		}
	}
	if req.Path != "*" && req.Path != "" {
		if dec, err := url.PathUnescape(req.RawPath); err != nil || cleaned(dec) != req.Path {
			bad("Path %q from RawPath %q; url.PathUnescape gives %q, %v", req.Path, req.RawPath, dec, err)
		}
	}
}

// compareWithStd checks that where net/http accepts the same first request,
// it reads the same method, target, path and body.
func compareWithStd(t *testing.T, data []byte, req *httpmsg.Request, body []byte) {
	t.Helper()
	std, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		return
	}
	stdBody, err := io.ReadAll(std.Body)
	if err != nil {
		return
	}
	if std.Method != req.Method || std.RequestURI != req.Target || !bytes.Equal(stdBody, body) {
		t.Fatalf("ReadRequest(%q) = %q %q body %q; net/http reads %q %q body %q",
			data, req.Method, req.Target, body, std.Method, std.RequestURI, stdBody)
	}
	if p := cleaned(stdPath(std)); p != req.Path {
		t.Fatalf("ReadRequest(%q): Path %q; net/http's URL.Path is %q", data, req.Path, p)
	}
}

// fuzzChunkLimits are small, so that the fuzzer reaches every limit.
var fuzzChunkLimits = httpmsg.Limits{MaxLineBytes: 64, MaxHeaderBytes: 256, MaxFields: 4, MaxBodyBytes: 1 << 10}

// decodeChunked reads data as the chunked body of a request and returns
// the decoded body and how many bytes of data were consumed.
func decodeChunked(t *testing.T, data []byte) (body []byte, consumed int, err error) {
	t.Helper()
	src := bytes.NewReader(append([]byte(crlf(chunkedHead)), data...))
	br := bufio.NewReader(src)
	r := httpmsg.NewReader(br, fuzzChunkLimits)
	var req httpmsg.Request
	if err := r.ReadRequest(&req); err != nil {
		t.Fatalf("ReadRequest(%q) = %v", chunkedHead, err)
	}
	body, err = io.ReadAll(req.Body)
	return body, len(data) - src.Len() - br.Buffered(), err
}

// FuzzChunkedBody feeds arbitrary bytes to the chunked decoder. It must
// never panic; its errors are 400/413/431 or io.ErrUnexpectedEOF; the
// decoded body stays within MaxBodyBytes; it must stop exactly at the end
// of the body (decoding only the bytes it consumed gives the same result);
// and where net/http's chunked reader also succeeds, the data agree.
func FuzzChunkedBody(f *testing.F) {
	for _, tt := range bodyTests {
		if tt.head == chunkedHead {
			f.Add([]byte(tt.body))
		}
	}
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		body, consumed, err := decodeChunked(t, data)
		if int64(len(body)) > fuzzChunkLimits.MaxBodyBytes {
			t.Fatalf("chunked body %q decoded to %d bytes, over MaxBodyBytes", data, len(body))
		}
		if err != nil {
			checkError(t, "reading chunked body", data, err)
			return
		}
		again, consumedAgain, err := decodeChunked(t, data[:consumed])
		if err != nil || consumedAgain != consumed || !bytes.Equal(again, body) {
			t.Fatalf("chunked body %q: stopped after %d bytes, but those bytes alone give %q, %d, %v",
				data, consumed, again, consumedAgain, err)
		}
		std, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(data)))
		if err == nil && !bytes.Equal(std, body) {
			t.Fatalf("chunked body %q = %q; net/http decodes %q", data, body, std)
		}
	})
}
