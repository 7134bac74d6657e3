package httpmsg_test

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"liso/shared/httpmsg"
)

// bodyTest is a request with a body, followed by a pipelined GET whose
// target must come out right if the body was framed exactly.
type bodyTest struct {
	name     string
	head     string // request line and fields, "\n" sent as "\r\n"
	body     string // sent exactly as written
	lim      httpmsg.Limits
	wantBody string
	wantErr  error // io.ErrUnexpectedEOF, or nil
	code     int   // the StatusError code from reading Body, when not 0
}

const (
	chunkedHead = "POST /upload HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n"
	next        = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
)

var bodyTests = []bodyTest{
	{name: "Content-Length", head: "POST / HTTP/1.1\nHost: a\nContent-Length: 11\n\n",
		body: "hello world", wantBody: "hello world"},
	{name: "Content-Length binary", head: "POST / HTTP/1.1\nHost: a\nContent-Length: 6\n\n",
		body: "\r\n\x00\xff\n\r", wantBody: "\r\n\x00\xff\n\r"},
	{name: "GET without body", head: "GET / HTTP/1.1\nHost: a\n\n", wantBody: ""},
	{name: "chunked", head: chunkedHead,
		body: "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", wantBody: "hello world"},
	{name: "chunked hex sizes, upper and lower case, leading zeros", head: chunkedHead,
		body: "A\r\n0123456789\r\n0b\r\nabcdefghijk\r\n000\r\n\r\n", wantBody: "0123456789abcdefghijk"},
	{name: "chunked extensions skipped", head: chunkedHead,
		body: "5;name\r\nhello\r\n1 ; a = b ;c=\"q;\\\"x\"\r\n!\r\n0;last=\"\"\r\n\r\n", wantBody: "hello!"},
	{name: "chunked with trailers", head: chunkedHead,
		body: "3\r\nabc\r\n0\r\nX-Checksum: 123\r\nX-Other: a b\r\n\r\n", wantBody: "abc"},
	{name: "chunked, exactly MaxBodyBytes", head: chunkedHead, lim: httpmsg.Limits{MaxBodyBytes: 10},
		body: "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", wantBody: "helloworld"},

	// Bad chunk syntax: 400.
	{name: "chunk size 0x", head: chunkedHead, body: "0x5\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk size with sign", head: chunkedHead, body: "+5\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk size negative", head: chunkedHead, body: "-5\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk size with underscore", head: chunkedHead, body: "5_0\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk size empty", head: chunkedHead, body: "\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk size not hex", head: chunkedHead, body: "g\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk size with trailing space", head: chunkedHead, body: "5 \r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk size with leading space", head: chunkedHead, body: " 5\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk size 17 hex digits", head: chunkedHead, body: "00000000000000005\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk size overflows int64", head: chunkedHead, body: "8000000000000000\r\n", code: 400},
	{name: "chunk size line with bare LF", head: chunkedHead, body: "5\nhello\r\n0\r\n\r\n", code: 400},
	{name: "last chunk with bare LF", head: chunkedHead, body: "5\r\nhello\r\n0\n\r\n", code: 400},
	{name: "no CRLF after chunk data", head: chunkedHead, body: "5\r\nhelloX\r\n0\r\n\r\n", code: 400},
	{name: "two other bytes instead of CRLF after chunk data", head: chunkedHead, body: "5\r\nhelloXY3\r\nabc\r\n0\r\n\r\n", code: 400},
	{name: "bare LF after chunk data", head: chunkedHead, body: "5\r\nhello\n0\r\n\r\n", code: 400},
	{name: "chunk data longer than its size", head: chunkedHead, body: "3\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk extension with empty value", head: chunkedHead,
		body: "5;name\r\nhello\r\n1 ; a = b ;c=\"q;\\\"x\"\t;d=\r\n!\r\n0;last\r\n\r\n", code: 400},
	{name: "chunk extension without name", head: chunkedHead, body: "5;\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk extension without semicolon", head: chunkedHead, body: "5 x\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk extension unclosed quote", head: chunkedHead, body: "5;a=\"b\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk extension with control character", head: chunkedHead, body: "5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk line longer than MaxLineBytes", head: chunkedHead, lim: httpmsg.Limits{MaxLineBytes: 64},
		body: "5;" + big(63) + "\r\nhello\r\n0\r\n\r\n", code: 400},
	{name: "chunk extensions over MaxHeaderBytes in total", head: chunkedHead, lim: httpmsg.Limits{MaxHeaderBytes: 100},
		body: strings.Repeat("1;"+big(40)+"\r\nx\r\n", 3) + "0\r\n\r\n", code: 400},
	{name: "trailer with bare LF", head: chunkedHead, body: "0\r\nX-Checksum: 123\n\r\n", code: 400},
	{name: "bare LF after trailers", head: chunkedHead, body: "0\r\nX-Checksum: 123\r\n\n", code: 400},
	{name: "bare LF after last chunk", head: chunkedHead, body: "0\r\n\n", code: 400},
	{name: "trailer obs-fold", head: chunkedHead, body: "0\r\nX: a\r\n b\r\n\r\n", code: 400},
	{name: "trailer without colon", head: chunkedHead, body: "0\r\nJunk\r\n\r\n", code: 400},
	{name: "trailer with space before colon", head: chunkedHead, body: "0\r\nX : a\r\n\r\n", code: 400},
	{name: "too many trailers", head: chunkedHead, lim: httpmsg.Limits{MaxFields: 2},
		body: "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", code: 431},

	// Too large: 413.
	{name: "chunked over MaxBodyBytes", head: chunkedHead, lim: httpmsg.Limits{MaxBodyBytes: 10},
		body: "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", code: 413},
	{name: "one chunk over MaxBodyBytes", head: chunkedHead,
		body: "7fffffffffffffff\r\n", code: 413},

	// The stream ends early: io.ErrUnexpectedEOF.
	{name: "Content-Length cut short", head: "POST / HTTP/1.1\nHost: a\nContent-Length: 10\n\n",
		body: "hello", wantErr: io.ErrUnexpectedEOF},
	{name: "chunk data cut short", head: chunkedHead, body: "5\r\nhel", wantErr: io.ErrUnexpectedEOF},
	{name: "cut before the data CRLF", head: chunkedHead, body: "5\r\nhello", wantErr: io.ErrUnexpectedEOF},
	{name: "cut inside the data CRLF", head: chunkedHead, body: "5\r\nhello\r", wantErr: io.ErrUnexpectedEOF},
	{name: "no last chunk", head: chunkedHead, body: "5\r\nhello\r\n", wantErr: io.ErrUnexpectedEOF},
	{name: "cut inside a size line", head: chunkedHead, body: "5\r\nhello\r\n1", wantErr: io.ErrUnexpectedEOF},
	{name: "no final CRLF", head: chunkedHead, body: "5\r\nhello\r\n0\r\n", wantErr: io.ErrUnexpectedEOF},
	{name: "cut inside the trailers", head: chunkedHead, body: "0\r\nX: 1\r\n", wantErr: io.ErrUnexpectedEOF},
}

func TestBody(t *testing.T) {
	for _, tt := range bodyTests {
		for _, mode := range readModes {
			t.Run(tt.name+"/"+mode.name, func(t *testing.T) {
				raw := crlf(tt.head) + tt.body
				if tt.code == 0 && tt.wantErr == nil {
					raw += next // framing is intact, so a pipelined request follows
				}
				r := httpmsg.NewReader(mode.br(strings.NewReader(raw)), tt.lim)
				var req httpmsg.Request
				if err := r.ReadRequest(&req); err != nil {
					t.Fatalf("ReadRequest(%q) = %v; want success", raw, err)
				}
				body, err := readBody(t, &req)
				switch {
				case tt.code != 0:
					if statusCode(err) != tt.code {
						t.Fatalf("reading body of %q: %v; want status %d", raw, err, tt.code)
					}
				case tt.wantErr != nil:
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("reading body of %q: %v; want %v", raw, err, tt.wantErr)
					}
				default:
					if err != nil || body != tt.wantBody {
						t.Fatalf("reading body of %q = %q, %v; want %q, nil", raw, body, err, tt.wantBody)
					}
				}
				if tt.code != 0 || tt.wantErr != nil {
					// The error is sticky, in Body and in the Reader.
					if _, err2 := req.Body.Read(make([]byte, 1)); err2 != err {
						t.Errorf("Body.Read after %v = %v; want the same error", err, err2)
					}
					if err2 := r.ReadRequest(&req); err2 != err {
						t.Errorf("ReadRequest after body error %v = %v; want the same error", err, err2)
					}
					return
				}
				if n, err := req.Body.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Errorf("Body.Read after EOF = %d, %v; want 0, io.EOF", n, err)
				}
				if err := r.ReadRequest(&req); err != nil || req.Target != "/next" {
					t.Fatalf("pipelined ReadRequest after body = %q, %v; want /next, nil", req.Target, err)
				}
				if err := r.ReadRequest(&req); err != io.EOF {
					t.Errorf("ReadRequest at end of stream = %v; want io.EOF", err)
				}
			})
		}
	}
}

// TestUnreadBodyIsSkipped checks that ReadRequest finds the next request
// when the server did not read (or only began to read) a body.
func TestUnreadBodyIsSkipped(t *testing.T) {
	for _, mode := range readModes {
		raw := crlf("POST /1 HTTP/1.1\nHost: a\nContent-Length: 5\n\n") + "hello" +
			crlf(chunkedHead) + "3\r\nabc\r\n2\r\nde\r\n0\r\nX: y\r\n\r\n" +
			crlf(chunkedHead) + "3\r\nabc\r\n0\r\n\r\n" +
			next
		r := httpmsg.NewReader(mode.br(strings.NewReader(raw)), httpmsg.Limits{})
		var req httpmsg.Request
		var got []string
		for i := 0; ; i++ {
			err := r.ReadRequest(&req)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: ReadRequest #%d of %q = %v; want success", mode.name, i, raw, err)
			}
			got = append(got, req.Target)
			if i == 1 {
				if _, err := req.Body.Read(make([]byte, 2)); err != nil { // read a little only
					t.Fatalf("%s: Body.Read = %v", mode.name, err)
				}
			}
		}
		want := []string{"/1", "/upload", "/upload", "/next"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: targets of %q mismatch (-want +got):\n%s", mode.name, raw, diff)
		}
	}
}

// TestPipelined reads several requests sent in one write, one Request reused.
func TestPipelined(t *testing.T) {
	raw := crlf("GET /a HTTP/1.1\nHost: a\n\n"+
		"POST /b HTTP/1.1\nHost: a\nContent-Length: 3\n\n") + "xyz" +
		crlf("\nHEAD /c HTTP/1.1\nHost: a\nConnection: close\n\n")
	type summary struct {
		Method, Target, Body string
		Close                bool
	}
	want := []summary{{"GET", "/a", "", false}, {"POST", "/b", "xyz", false}, {"HEAD", "/c", "", true}}
	for _, mode := range readModes {
		r := httpmsg.NewReader(mode.br(strings.NewReader(raw)), httpmsg.Limits{})
		var req httpmsg.Request
		var got []summary
		for {
			err := r.ReadRequest(&req)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: ReadRequest(%q) = %v", mode.name, raw, err)
			}
			body, err := readBody(t, &req)
			if err != nil {
				t.Fatalf("%s: reading body: %v", mode.name, err)
			}
			got = append(got, summary{req.Method, req.Target, body, req.Close})
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: pipelined requests mismatch (-want +got):\n%s", mode.name, diff)
		}
	}
}

// TestReset swaps the bufio.Reader between requests, as a server that
// pools them does.
func TestReset(t *testing.T) {
	first := crlf("POST /1 HTTP/1.1\nHost: a\nContent-Length: 2\n\n") + "ok"
	r := httpmsg.NewReader(bufio.NewReader(strings.NewReader(first)), httpmsg.Limits{})
	var req httpmsg.Request
	if err := r.ReadRequest(&req); err != nil {
		t.Fatalf("ReadRequest(%q) = %v", first, err)
	}
	if body, err := readBody(t, &req); err != nil || body != "ok" {
		t.Fatalf("body = %q, %v; want \"ok\", nil", body, err)
	}
	r.Reset(bufio.NewReader(strings.NewReader(next)))
	if err := r.ReadRequest(&req); err != nil || req.Target != "/next" {
		t.Fatalf("ReadRequest after Reset = %q, %v; want /next, nil", req.Target, err)
	}
}

// TestLongLines reads lines longer than the bufio.Reader's buffer, up to
// the default limit of 8192 bytes, through a 4 KiB bufio.Reader.
func TestLongLines(t *testing.T) {
	value := big(8192 - len("X: "))
	raw := crlf("GET /"+big(8192-len("GET / HTTP/1.1"))+" HTTP/1.1\nHost: a\nX: "+value+"\n\n"+
		"POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n") +
		"5;" + big(8000) + "\r\nhello\r\n0\r\nT: " + value + "\r\n\r\n"
	r := httpmsg.NewReader(bufio.NewReaderSize(strings.NewReader(raw), 4096), httpmsg.Limits{})
	var req httpmsg.Request
	if err := r.ReadRequest(&req); err != nil {
		t.Fatalf("ReadRequest(long lines) = %v; want success", err)
	}
	if got := req.Header.Get("X"); got != value {
		t.Errorf("Header.Get(X) has %d bytes; want %d", len(got), len(value))
	}
	if err := r.ReadRequest(&req); err != nil {
		t.Fatalf("ReadRequest(chunked) = %v; want success", err)
	}
	if body, err := readBody(t, &req); err != nil || body != "hello" {
		t.Errorf("body = %q, %v; want \"hello\", nil", body, err)
	}
}

// TestBodyReadError checks that a read error inside a body (a deadline)
// reaches the caller wrapped, for both kinds of body.
func TestBodyReadError(t *testing.T) {
	for _, raw := range []string{
		crlf("POST / HTTP/1.1\nHost: a\nContent-Length: 10\n\n") + "hel",
		crlf(chunkedHead) + "5\r\nhel",
		crlf(chunkedHead) + "5\r\nhello\r\n",
	} {
		src := &errorReader{data: raw, err: os.ErrDeadlineExceeded}
		r := httpmsg.NewReader(bufio.NewReader(src), httpmsg.Limits{})
		var req httpmsg.Request
		if err := r.ReadRequest(&req); err != nil {
			t.Fatalf("ReadRequest(%q) = %v; want success", raw, err)
		}
		if _, err := io.ReadAll(req.Body); !errors.Is(err, os.ErrDeadlineExceeded) || statusCode(err) != 0 {
			t.Errorf("reading body of %q: %v; want a wrapped os.ErrDeadlineExceeded", raw, err)
		}
	}
}
