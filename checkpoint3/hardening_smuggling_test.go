package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// smugglingTest is a pipelined pair whose framing lisod and another
// parser could read differently: one sees a single request where the other
// sees two (RFC 9112 11.2, "request smuggling"). A proxy in front of lisod
// that frames the bytes one way while lisod frames them the other is how
// an attacker slips a request past the proxy. lisod must never answer
// such bytes as two requests.
type smugglingTest struct {
	name  string
	ref   string // the RFC section or published attack
	raw   string // "\n" is sent as "\r\n", unless lf is set
	lf    bool
	other string // how a lenient or differently strict parser frames it
}

// smugHidden is the request hidden inside most rows: if lisod ever answers
// it, its framing disagreed with the outer request's.
const smugHidden = "GET /second.txt HTTP/1.1\nHost: localhost\n\n"

// smugPost is a POST head with the given fields, ended.
func smugPost(fields string) string { return "POST / HTTP/1.1\nHost: localhost\n" + fields + "\n" }

var smugglingTests = []smugglingTest{
	{name: "CL.TE: Content-Length then Transfer-Encoding", ref: "RFC 9112 6.1; Linhart et al. 2005",
		raw: smugPost("Content-Length: 6\nTransfer-Encoding: chunked\n") + "0\n\n" + smugHidden, other: "by Content-Length: one request whose body is \"0\\r\\n\\r\\nG\""},
	{name: "TE.CL: Transfer-Encoding then Content-Length", ref: "RFC 9112 6.1",
		raw: smugPost("Transfer-Encoding: chunked\nContent-Length: 3\n") + "0\n\n" + smugHidden, other: "by Content-Length: the chunked terminator is a body, the rest a request"},
	{name: "TE.TE: a second, bogus Transfer-Encoding", ref: "RFC 9112 6.1 (PortSwigger TE.TE)",
		raw: smugPost("Transfer-Encoding: chunked\nTransfer-Encoding: x\nContent-Length: 4\n") + "5c\nGPOST / HTTP/1.1\n\n0\n\n" + smugHidden, other: "a parser that ignores the unknown coding frames by Content-Length"},
	{name: "Transfer-Encoding: xchunked with Content-Length", ref: "RFC 9112 6.1",
		raw: smugPost("Transfer-Encoding: xchunked\nContent-Length: 5\n") + "0\n\n\n" + smugHidden, other: "a substring match sees chunked"},
	{name: "space before the colon of Transfer-Encoding", ref: "RFC 9112 5.1",
		raw: smugPost("Transfer-Encoding : chunked\nContent-Length: 5\n") + "0\n\n\n" + smugHidden, other: "a parser that trims the name sees chunked"},
	{name: "Transfer-Encoding folded onto a previous line", ref: "RFC 9112 5.2 (obs-fold)",
		raw: smugPost("X-Pad: a\n Transfer-Encoding: chunked\nContent-Length: 5\n") + "0\n\n\n" + smugHidden, other: "a parser that unfolds sees X-Pad only; one that does not sees chunked"},
	{name: "vertical tab before chunked", ref: "RFC 9110 5.5",
		raw: smugPost("Transfer-Encoding:\vchunked\nContent-Length: 5\n") + "0\n\n\n" + smugHidden, other: "a parser that trims all whitespace sees chunked"},
	{name: "Transfer-Encoding in HTTP/1.0 with Content-Length", ref: "RFC 9112 6.1",
		raw: "POST / HTTP/1.0\nTransfer-Encoding: chunked\nContent-Length: 5\n\n0\n\n\n" + smugHidden, other: "an HTTP/1.0 parser frames by Content-Length"},
	{name: "two Content-Length values", ref: "RFC 9110 8.6",
		raw: smugPost("Content-Length: 0\nContent-Length: 42\n") + smugHidden, other: "first value: two requests; last value: one"},
	{name: "Content-Length with a plus sign", ref: "RFC 9110 8.6",
		raw: smugPost("Content-Length: +42\n") + smugHidden, other: "strtol reads 42: one request; a strict parser refuses"},
	{name: "Content-Length followed by garbage", ref: "RFC 9110 8.6",
		raw: smugPost("Content-Length: 0 42\n") + smugHidden, other: "atoi reads 0: two requests"},
	{name: "Content-Length overflowing to a small number", ref: "integer overflow",
		raw: smugPost("Content-Length: 18446744073709551658\n") + smugHidden, other: "a 64-bit wrap reads 42"},
	{name: "chunk size overflowing to a small number", ref: "RFC 9112 7.1 (overflow)",
		raw: smugPost("Transfer-Encoding: chunked\n") + "1000000000000002a\n" + smugHidden + "\n0\n\n", other: "a 64-bit wrap reads 0x2a"},
	{name: "chunk size with 0x", ref: "RFC 9112 7.1",
		raw: smugPost("Transfer-Encoding: chunked\n") + "0x0\n\n" + smugHidden, other: "strtol with base 16 reads 0"},
	{name: "chunk line ended by a bare LF", ref: "RFC 9112 7.1 (Kettle 2022)",
		raw: "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2a\nGET /second.txt HTTP/1.1\r\nHost: localhost\r\n\r\n\r\n0\r\n\r\n", lf: true,
		other: "LF-tolerant: one request with a 42-byte chunk; CRLF-only: an error or two requests"},
	{name: "chunk extension hiding a line end", ref: "RFC 9112 7.1.1 (funky chunks)",
		raw: "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2;a=\"\nb\"\r\nxx\r\n0\r\n\r\n" + hardCRLF(smugHidden), lf: true,
		other: "a parser that ends the line at LF reads a different chunk"},
	{name: "bare CR as a line end inside the head", ref: "RFC 9112 2.2",
		raw: "POST / HTTP/1.1\r\nHost: localhost\r\nX: y\rContent-Length: 42\r\n\r\n" + hardCRLF(smugHidden), lf: true,
		other: "a CR-as-line-end parser sees Content-Length: 42"},
	{name: "NUL inside the Content-Length name", ref: "RFC 9110 5.1",
		raw: smugPost("Content-Length\x00: 42\n") + smugHidden, other: "a C parser stops at the NUL and sees Content-Length"},
	{name: "the last chunk never ends", ref: "RFC 9112 7.1.2",
		raw: smugPost("Transfer-Encoding: chunked\n") + "0\n" + smugHidden, other: "a parser that ignores trailers answers the hidden request"},
	{name: "GET whose body holds a request (CL.0)", ref: "RFC 9110 9.3.1 (Kettle 2022, CL.0)",
		raw:   "GET / HTTP/1.1\nHost: localhost\nContent-Length: " + strconv.Itoa(len(hardCRLF(smugHidden))) + "\n\n" + smugHidden,
		other: "a parser that ignores Content-Length on GET sees two requests"},
}

// TestSmuggling sends every pair, half-closes, and reads answers until
// lisod closes the connection: there must never be two.
func TestSmuggling(t *testing.T) {
	f := startHardened(t, hardSite(t))
	for _, tt := range smugglingTests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.raw
			if !tt.lf {
				raw = hardCRLF(raw)
			}
			c := hardDial(t, f.http, 10*time.Second)
			if _, err := io.WriteString(c, raw); err != nil {
				t.Fatal(err)
			}
			c.CloseWrite() // lisod sees the end of the stream after the pair
			got, err := hardReadAll(bufio.NewReader(c), "POST")
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			t.Logf("net/http frames %d request(s); %s", stdFrames(raw), tt.other)
			switch {
			case len(got) > 1:
				t.Errorf("%s (%s): %d answers; want at most one (smugHidden request answered)", tt.name, tt.ref, len(got))
			case len(got) == 1 && got[0].body == hardSecond:
				t.Errorf("%s: the hidden request was answered", tt.name)
			}
		})
	}
}

// stdFrames counts the requests net/http's parser reads from raw before
// it fails or the bytes run out: the reference framing the test logs.
func stdFrames(raw string) int {
	br := bufio.NewReader(strings.NewReader(raw))
	n := 0
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return n
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil && !errors.Is(err, io.EOF) {
			return n
		}
		n++
	}
}
