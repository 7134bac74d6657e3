package suite

// Request smuggling: pipelined pairs whose framing a server and another
// parser (a proxy in front of it) could read differently, one seeing a
// single request where the other sees two (RFC 9112 11.2). A server must
// never answer such bytes as two requests. docs/security.md lists the
// pairs (TestSecurityDoc).

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// smugglingTest is one pair.
type smugglingTest struct {
	id    string // the check's name: robust/smuggling/<id>
	name  string
	ref   string // the RFC section or published attack
	raw   string // "\n" is sent as "\r\n", unless lf is set
	lf    bool
	other string // how a lenient or differently strict parser frames it
}

// smugHidden is the request hidden inside most pairs: a server that ever
// answers it framed the outer request differently from its own head.
const smugHidden = "GET /second.txt HTTP/1.1\nHost: localhost\n\n"

// smugPost is a POST head with the given fields, ended.
func smugPost(fields string) string { return "POST / HTTP/1.1\nHost: localhost\n" + fields + "\n" }

func (tt smugglingTest) bytes() string {
	if tt.lf {
		return tt.raw
	}
	return CRLF(tt.raw)
}

var smugglingTests = []smugglingTest{
	{id: "cl-te", name: "CL.TE: Content-Length then Transfer-Encoding", ref: "RFC 9112 6.1; Linhart et al. 2005",
		raw: smugPost("Content-Length: 6\nTransfer-Encoding: chunked\n") + "0\n\n" + smugHidden, other: "by Content-Length: one request whose body is \"0\\r\\n\\r\\nG\""},
	{id: "te-cl", name: "TE.CL: Transfer-Encoding then Content-Length", ref: "RFC 9112 6.1",
		raw: smugPost("Transfer-Encoding: chunked\nContent-Length: 3\n") + "0\n\n" + smugHidden, other: "by Content-Length: the chunked terminator is a body, the rest a request"},
	{id: "te-te", name: "TE.TE: a second, bogus Transfer-Encoding", ref: "RFC 9112 6.1 (PortSwigger TE.TE)",
		raw: smugPost("Transfer-Encoding: chunked\nTransfer-Encoding: x\nContent-Length: 4\n") + "5c\nGPOST / HTTP/1.1\n\n0\n\n" + smugHidden, other: "a parser that ignores the unknown coding frames by Content-Length"},
	{id: "xchunked-cl", name: "Transfer-Encoding: xchunked with Content-Length", ref: "RFC 9112 6.1",
		raw: smugPost("Transfer-Encoding: xchunked\nContent-Length: 5\n") + "0\n\n\n" + smugHidden, other: "a substring match sees chunked"},
	{id: "te-space-before-colon", name: "space before the colon of Transfer-Encoding", ref: "RFC 9112 5.1",
		raw: smugPost("Transfer-Encoding : chunked\nContent-Length: 5\n") + "0\n\n\n" + smugHidden, other: "a parser that trims the name sees chunked"},
	{id: "te-obs-fold", name: "Transfer-Encoding folded onto a previous line", ref: "RFC 9112 5.2 (obs-fold)",
		raw: smugPost("X-Pad: a\n Transfer-Encoding: chunked\nContent-Length: 5\n") + "0\n\n\n" + smugHidden, other: "a parser that unfolds sees X-Pad only; one that does not sees chunked"},
	{id: "te-vertical-tab", name: "vertical tab before chunked", ref: "RFC 9110 5.5",
		raw: smugPost("Transfer-Encoding:\vchunked\nContent-Length: 5\n") + "0\n\n\n" + smugHidden, other: "a parser that trims all whitespace sees chunked"},
	{id: "te-http10-cl", name: "Transfer-Encoding in HTTP/1.0 with Content-Length", ref: "RFC 9112 6.1",
		raw: "POST / HTTP/1.0\nTransfer-Encoding: chunked\nContent-Length: 5\n\n0\n\n\n" + smugHidden, other: "an HTTP/1.0 parser frames by Content-Length"},
	{id: "two-cl", name: "two Content-Length values", ref: "RFC 9110 8.6",
		raw: smugPost("Content-Length: 0\nContent-Length: 42\n") + smugHidden, other: "first value: two requests; last value: one"},
	{id: "cl-plus", name: "Content-Length with a plus sign", ref: "RFC 9110 8.6",
		raw: smugPost("Content-Length: +42\n") + smugHidden, other: "strtol reads 42: one request; a strict parser refuses"},
	{id: "cl-garbage", name: "Content-Length followed by garbage", ref: "RFC 9110 8.6",
		raw: smugPost("Content-Length: 0 42\n") + smugHidden, other: "atoi reads 0: two requests"},
	{id: "cl-overflow", name: "Content-Length overflowing to a small number", ref: "integer overflow",
		raw: smugPost("Content-Length: 18446744073709551658\n") + smugHidden, other: "a 64-bit wrap reads 42"},
	{id: "chunk-size-overflow", name: "chunk size overflowing to a small number", ref: "RFC 9112 7.1 (overflow)",
		raw: smugPost("Transfer-Encoding: chunked\n") + "1000000000000002a\n" + smugHidden + "\n0\n\n", other: "a 64-bit wrap reads 0x2a"},
	{id: "chunk-size-0x", name: "chunk size with 0x", ref: "RFC 9112 7.1",
		raw: smugPost("Transfer-Encoding: chunked\n") + "0x0\n\n" + smugHidden, other: "strtol with base 16 reads 0"},
	{id: "chunk-bare-lf", name: "chunk line ended by a bare LF", ref: "RFC 9112 7.1 (Kettle 2022)",
		raw: "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2a\nGET /second.txt HTTP/1.1\r\nHost: localhost\r\n\r\n\r\n0\r\n\r\n", lf: true,
		other: "LF-tolerant: one request with a 42-byte chunk; CRLF-only: an error or two requests"},
	{id: "chunk-extension-lf", name: "chunk extension hiding a line end", ref: "RFC 9112 7.1.1 (funky chunks)",
		raw: "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2;a=\"\nb\"\r\nxx\r\n0\r\n\r\n" + CRLF(smugHidden), lf: true,
		other: "a parser that ends the line at LF reads a different chunk"},
	{id: "bare-cr-in-head", name: "bare CR as a line end inside the head", ref: "RFC 9112 2.2",
		raw: "POST / HTTP/1.1\r\nHost: localhost\r\nX: y\rContent-Length: 42\r\n\r\n" + CRLF(smugHidden), lf: true,
		other: "a CR-as-line-end parser sees Content-Length: 42"},
	{id: "nul-in-cl-name", name: "NUL inside the Content-Length name", ref: "RFC 9110 5.1",
		raw: smugPost("Content-Length\x00: 42\n") + smugHidden, other: "a C parser stops at the NUL and sees Content-Length"},
	{id: "last-chunk-unended", name: "the last chunk never ends", ref: "RFC 9112 7.1.2",
		raw: smugPost("Transfer-Encoding: chunked\n") + "0\n" + smugHidden, other: "a parser that ignores trailers answers the hidden request"},
	{id: "cl-0-get", name: "GET whose body holds a request (CL.0)", ref: "RFC 9110 9.3.1 (Kettle 2022, CL.0)",
		raw:   "GET / HTTP/1.1\nHost: localhost\nContent-Length: " + strconv.Itoa(len(CRLF(smugHidden))) + "\n\n" + smugHidden,
		other: "a parser that ignores Content-Length on GET sees two requests"},
}

// smugglingChecks makes a check of each pair.
func smugglingChecks() []Check {
	var checks []Check
	for _, tt := range smugglingTests {
		checks = append(checks, Check{
			Name:  "robust/smuggling/" + tt.id,
			Stage: StageRobust,
			Rule:  "RFC 9112 11.2: a message's framing must be unambiguous; " + tt.ref,
			Doc:   "docs/security.md#request-smuggling",
			Run:   func(c *C) { runSmuggling(c, tt) },
		})
	}
	return checks
}

// runSmuggling sends the pair, half-closes, and reads answers until the
// server closes the connection: there must never be two, and the one
// answer must not be the hidden request's.
func runSmuggling(c *C, tt smugglingTest) {
	raw := tt.bytes()
	got, err := smuggle(c.Addr, raw)
	sent := Shorten(raw, 400)
	if err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: "at most one answer, then the connection closed"})
	}
	c.Logf("net/http frames %d request(s) from these bytes; %s", stdFrames(raw), tt.other)
	var heads []string
	for _, r := range got {
		heads = append(heads, r.Head())
	}
	switch {
	case len(got) > 1:
		c.Fail(Failure{Sent: sent, Got: strings.Join(heads, "\n\n"), Want: "at most one answer",
			Note: fmt.Sprintf("%d answers: the hidden request was framed as a request of its own (%s)", len(got), tt.other)})
	case len(got) == 1 && string(got[0].Body) == SecondBody:
		c.Fail(Failure{Sent: sent, Got: heads[0], Want: "no answer to the hidden GET /second.txt", Note: "the hidden request was answered (" + tt.other + ")"})
	}
}

// smuggle sends raw on a new connection, half-closes it, and reads every
// answer until the server closes.
func smuggle(addr, raw string) ([]Reply, error) {
	conn, err := Dial(addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	c := conn.(*net.TCPConn)
	if _, err := io.WriteString(c, raw); err != nil {
		return nil, err
	}
	c.CloseWrite() // the server sees the end of the stream after the pair
	return ReadAllReplies(bufio.NewReader(c), "POST")
}

// stdFrames counts the requests net/http's parser reads from raw before
// it fails or the bytes run out: the reference framing a check logs.
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
