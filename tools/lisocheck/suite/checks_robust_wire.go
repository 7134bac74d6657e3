package suite

// The HTTP/1.1 wire conformance table: raw requests that bend RFC 9112's
// grammar, each sent on a fresh connection with a valid request pipelined
// behind it, and the answers each may get. A rejected request must never
// leave the connection out of step: the pipelined request is either
// answered correctly or the connection closes right after the first
// answer. docs/security.md lists the table (TestSecurityDoc).

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
)

// wireAfter is what must become of the valid request pipelined behind a
// row's request.
type wireAfter int

const (
	nextAnswered wireAfter = iota // framing is intact: it is answered, 200
	nextClosed                    // the connection closes after the first answer
	nextEither                    // either of the above; never a third outcome
)

func (a wireAfter) String() string {
	return [...]string{"next answered", "then closed", "next answered or closed"}[a]
}

// wireOutcome is one answer a row accepts: a status among codes (none:
// the connection closes without an answer), then what becomes of the
// pipelined request.
type wireOutcome struct {
	then  wireAfter
	codes []int
}

// allow is a wireOutcome, written the way the table reads.
func allow(then wireAfter, codes ...int) wireOutcome { return wireOutcome{then, codes} }

func (o wireOutcome) String() string {
	if o.codes == nil {
		return "closed without an answer"
	}
	codes := make([]string, len(o.codes))
	for i, c := range o.codes {
		codes[i] = fmt.Sprint(c)
	}
	return strings.Join(codes, " or ") + ", " + o.then.String()
}

// wireTest is one row of the table: raw bytes sent on a fresh connection,
// the answer expected, and where the rule comes from.
type wireTest struct {
	name string
	ref  string // the RFC section, course rule or attack the row comes from
	raw  string // "\n" is sent as "\r\n", unless lf is set
	lf   bool   // send raw exactly as written
	// fragment sends raw one byte per write: the server must wait for the
	// rest and answer once the request is complete.
	fragment bool
	// cut half-closes the connection after raw, without wireNext: the
	// request is never completed.
	cut bool
	// want and then are the answer the RFC names (and lisod gives);
	// want nil: the connection closes without an answer.
	want []int
	then wireAfter
	// may are other answers the RFC (or, for the HTTP version, the
	// course) lets a server give: the row passes with them too, and
	// ProjectChoices holds a server to want.
	may []wireOutcome
	// bodyAhead marks a row whose head promises a body it does not send:
	// a server may read the pipelined request's first bytes as that body,
	// so what follows the first answer is not judged.
	bodyAhead bool
	// courseOnly marks the course's answer where an RFC says otherwise:
	// the row is skipped in a strict run, whose strict table asks the
	// RFC's answer instead.
	courseOnly bool
}

// bodyUnread is what a server may answer to a POST whose body is badly
// framed when it does not need the body (a static page needs none): the
// page, and then the connection closed rather than the bad framing read.
// The framing never goes out of step, so nothing can be smuggled.
var bodyUnread = []wireOutcome{allow(nextClosed, 200)}

// wireNext is the valid request pipelined behind every row.
const wireNext = "GET /second.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

func (tt wireTest) bytes() string {
	if tt.lf {
		return tt.raw
	}
	return CRLF(tt.raw)
}

// outcomes are the answers the row accepts, want and then first; with
// exact, only that one.
func (tt wireTest) outcomes(exact bool) []wireOutcome {
	first := wireOutcome{tt.then, tt.want}
	if exact {
		return []wireOutcome{first}
	}
	return append([]wireOutcome{first}, tt.may...)
}

// expected is the row's expectation in words, for failure messages and
// docs/security.md.
func (tt wireTest) expected(exact bool) string {
	var s []string
	for _, o := range tt.outcomes(exact) {
		s = append(s, o.String())
	}
	return strings.Join(s, "; or ")
}

// wireGet is a minimal valid request head for path, without its end.
func wireGet(path string) string { return "GET " + path + " HTTP/1.1\nHost: localhost\n" }

// wireHeaders returns n field lines "X-<i>: <i>".
func wireHeaders(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "X-%d: %d\n", i, i)
	}
	return b.String()
}

var wire200 = []int{200}

// wireTests is the conformance table. Behind each row's bytes goes
// wireNext, unless the row cuts the request short.
var wireTests = []wireTest{
	// Well-formed requests: answered, and the connection stays in step.
	{name: "GET", ref: "RFC 9112 3", raw: wireGet("/") + "\n", want: wire200, then: nextAnswered},
	{name: "HEAD", ref: "RFC 9110 9.3.2", raw: "HEAD / HTTP/1.1\nHost: localhost\n\n", want: wire200, then: nextAnswered},
	{name: "POST with Content-Length", ref: "RFC 9112 6.2", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 5\n\nhello", want: wire200, then: nextAnswered},
	{name: "POST chunked, with an extension and a trailer", ref: "RFC 9112 7.1",
		raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n5;name=val\nhello\n0\nX-Trailer: t\n\n", want: wire200, then: nextAnswered},
	{name: "HTTP/1.0 with keep-alive", ref: "RFC 9112 9.3", raw: "GET / HTTP/1.0\nConnection: keep-alive\n\n", want: wire200, then: nextAnswered},
	{name: "HTTP/1.0 closes by default", ref: "RFC 9112 9.3", raw: "GET / HTTP/1.0\n\n", want: wire200, then: nextClosed},
	{name: "Connection: close", ref: "RFC 9112 9.6", raw: wireGet("/") + "Connection: close\n\n", want: wire200, then: nextClosed},
	{name: "fragmented GET, one byte per write", ref: "RFC 9112 2.2 (no message boundaries in TCP)",
		raw: wireGet("/") + "User-Agent: slow\n\n", fragment: true, want: wire200, then: nextAnswered},
	{name: "fragmented chunked POST, one byte per write", ref: "RFC 9112 7.1",
		raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", fragment: true, want: wire200, then: nextAnswered},
	{name: "bare LF line ends", ref: "RFC 9112 2.2 (MAY accept LF)", raw: "GET / HTTP/1.1\nHost: localhost\n\n", lf: true, want: wire200, then: nextAnswered, may: []wireOutcome{allow(nextEither, 400)}},
	{name: "an empty line before the request line", ref: "RFC 9112 2.2", raw: "\n" + wireGet("/") + "\n", want: wire200, then: nextAnswered},
	{name: "Content-Length with leading zeros", ref: "RFC 9110 8.6 (1*DIGIT)", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 0003\n\nabc", want: wire200, then: nextAnswered},
	{name: "Content-Length with whitespace around the value", ref: "RFC 9110 5.5 (OWS)", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: \t3 \n\nabc", want: wire200, then: nextAnswered},
	{name: "Content-Length repeated with the same value", ref: "RFC 9110 8.6", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 3\nContent-Length: 3\n\nabc", want: wire200, then: nextAnswered, may: []wireOutcome{allow(nextClosed, 400)}},
	{name: "Content-Length list of the same value", ref: "RFC 9110 8.6", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 3, 3\n\nabc", want: wire200, then: nextAnswered, may: []wireOutcome{allow(nextClosed, 400)}},
	{name: "Transfer-Encoding in mixed case", ref: "RFC 9112 7 (case-insensitive)", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: ChUnKeD\n\n1\na\n0\n\n", want: wire200, then: nextAnswered},
	{name: "absolute-form target", ref: "RFC 9112 3.2.2 (a server MUST accept it)", raw: "GET http://localhost/second.txt HTTP/1.1\nHost: other\n\n", want: wire200, then: nextAnswered},
	{name: "HTTP/1.2 is served as HTTP/1.1", ref: "RFC 9110 2.5 (course: other versions 505)", raw: "GET / HTTP/1.2\nHost: localhost\n\n", want: wire200, then: nextAnswered, may: []wireOutcome{allow(nextEither, 505)}},
	{name: "Expect: 100-continue with the body sent at once", ref: "RFC 9110 10.1.1",
		raw: "POST / HTTP/1.1\nHost: localhost\nExpect: 100-continue\nContent-Length: 3\n\nabc", want: wire200, then: nextAnswered},
	{name: "GET with a body", ref: "RFC 9110 9.3.1 (framing still applies)", raw: wireGet("/") + "Content-Length: 10\n\n0123456789", want: wire200, then: nextAnswered},
	{name: "obs-text in a field value", ref: "RFC 9110 5.5", raw: wireGet("/") + "X-Name: caf\xe9\n\n", want: wire200, then: nextAnswered},
	{name: "IPv6 literal in Host", ref: "RFC 9110 7.2, RFC 3986 3.2.2", raw: "GET / HTTP/1.1\nHost: [::1]:8080\n\n", want: wire200, then: nextAnswered},
	{name: "empty Host", ref: "RFC 9110 7.2", raw: "GET / HTTP/1.1\nHost:\n\n", want: wire200, then: nextAnswered},
	{name: "percent-encoded path", ref: "RFC 3986 2.1", raw: wireGet("/second%2etxt") + "\n", want: wire200, then: nextAnswered},

	// Well-framed requests lisod refuses: the connection stays in step.
	{name: "unknown method", ref: "RFC 9110 9.1 (501)", raw: "BREW / HTTP/1.1\nHost: localhost\n\n", want: []int{501}, then: nextAnswered},
	{name: "lowercase method", ref: "RFC 9110 9.1 (methods are case-sensitive)", raw: "get / HTTP/1.1\nHost: localhost\n\n", want: []int{501}, then: nextAnswered},
	{name: "OPTIONS *", ref: "RFC 9112 3.2.4", raw: "OPTIONS * HTTP/1.1\nHost: localhost\n\n", want: []int{501}, then: nextAnswered, may: []wireOutcome{allow(nextAnswered, 200, 204)}},
	{name: "CONNECT", ref: "RFC 9110 9.3.6", raw: "CONNECT localhost:443 HTTP/1.1\nHost: localhost:443\n\n", want: []int{501}, then: nextEither, may: []wireOutcome{allow(nextEither, 400, 405)}},
	{name: "Expect: 100-continue on a GET whose body is never asked for", ref: "RFC 9110 10.1.1 (say whether the connection closes)",
		raw: wireGet("/") + "Expect: 100-continue\nContent-Length: 5\n\n", want: wire200, then: nextEither, bodyAhead: true},
	{name: "GET with a 1 MiB body it does not read", ref: "RFC 9112 9.6 (say close before closing)",
		raw: wireGet("/") + "Content-Length: 1048576\n\n" + strings.Repeat("x", 1<<20), want: wire200, then: nextEither},
	{name: "encoded NUL in the path", ref: "attack: NUL truncation", raw: wireGet("/index.html%00.txt") + "\n", want: []int{400, 404}, then: nextAnswered},
	{name: "missing file", ref: "RFC 9110 15.5.5", raw: wireGet("/nothing-here") + "\n", want: []int{404}, then: nextAnswered},

	// Host (RFC 9112 3.2: 400 for a missing, repeated or invalid Host). The
	// course's graders send no Host, so a missing one is served unless
	// the run is strict (the strict table).
	{name: "missing Host", ref: "course: the graders send no Host (RFC 9112 3.2 in the strict table)", raw: "GET / HTTP/1.1\n\n", want: wire200, then: nextAnswered, courseOnly: true},
	{name: "duplicate Host", ref: "RFC 9112 3.2", raw: wireGet("/") + "Host: evil\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 400)}},
	{name: "Host with a space", ref: "RFC 9112 3.2", raw: "GET / HTTP/1.1\nHost: a b\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 400)}},
	{name: "Host with userinfo", ref: "RFC 9110 4.2.4", raw: "GET / HTTP/1.1\nHost: user@localhost\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 400)}},

	// Content-Length (RFC 9110 8.6, RFC 9112 6.3).
	{name: "Content-Length negative", ref: "RFC 9112 6.3", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: -1\n\n", want: []int{400}, then: nextClosed},
	{name: "Content-Length overflowing int64", ref: "RFC 9110 8.6 (overflow)", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 9223372036854775808\n\n", want: []int{400}, then: nextClosed},
	{name: "Content-Length of 30 digits", ref: "RFC 9110 8.6 (overflow)", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 100000000000000000000000000005\n\nhello", want: []int{400}, then: nextClosed},
	{name: "Content-Length with a plus sign", ref: "RFC 9110 8.6 (1*DIGIT)", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: +3\n\nabc", want: []int{400}, then: nextClosed},
	{name: "Content-Length with a space inside", ref: "RFC 9110 8.6", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 1 3\n\nabc", want: []int{400}, then: nextClosed},
	{name: "Content-Length in hex", ref: "RFC 9110 8.6", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 0x3\n\nabc", want: []int{400}, then: nextClosed},
	{name: "Content-Length empty", ref: "RFC 9110 8.6", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length:\n\n", want: []int{400}, then: nextClosed},
	{name: "Content-Length repeated with different values", ref: "RFC 9112 6.3 (smuggling)", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 3\nContent-Length: 4\n\nabcd", want: []int{400}, then: nextClosed},
	{name: "Content-Length list of different values", ref: "RFC 9112 6.3", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 3, 4\n\nabcd", want: []int{400}, then: nextClosed},
	{name: "Content-Length over the body limit", ref: "RFC 9110 15.5.14 (413)", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 9223372036854775807\n\n", want: []int{413}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 400), allow(nextClosed, 408)}},
	{name: "POST without a length", ref: "RFC 9110 15.5.12 (411)", raw: "POST / HTTP/1.1\nHost: localhost\n\n", want: []int{411}, then: nextClosed, may: []wireOutcome{allow(nextEither, 411)}},

	// Transfer-Encoding (RFC 9112 6.1, 6.3).
	{name: "Transfer-Encoding with Content-Length", ref: "RFC 9112 6.1 (smuggling)", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\nContent-Length: 3\n\n0\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 200)}},
	{name: "Content-Length with Transfer-Encoding", ref: "RFC 9112 6.1 (smuggling)", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 5\nTransfer-Encoding: chunked\n\n0\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 200)}},
	{name: "chunked not last", ref: "RFC 9112 6.3", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked, gzip\n\n0\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 501)}},
	{name: "chunked twice", ref: "RFC 9112 6.1", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\nTransfer-Encoding: chunked\n\n0\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 501)}},
	{name: "Transfer-Encoding: xchunked", ref: "RFC 9112 6.1 (unknown coding: 501)", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: xchunked\n\n0\n\n", want: []int{501}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 400)}},
	{name: "Transfer-Encoding: gzip, chunked", ref: "RFC 9112 6.1 (unknown coding: 501)", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: gzip, chunked\n\n0\n\n", want: []int{501}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 400)}},
	{name: "Transfer-Encoding: identity", ref: "RFC 9112 6.1 (identity is gone)", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: identity\nContent-Length: 0\n\n", want: []int{400, 501}, then: nextClosed},
	{name: "Transfer-Encoding empty", ref: "RFC 9112 6.1", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding:\n\n0\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 501)}},
	{name: "Transfer-Encoding in HTTP/1.0", ref: "RFC 9112 6.1", raw: "POST / HTTP/1.0\nTransfer-Encoding: chunked\n\n0\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 200)}},
	{name: "Transfer-Encoding with a vertical tab", ref: "RFC 9110 5.5 (smuggling)", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: \vchunked\n\n0\n\n", want: []int{400}, then: nextClosed},

	// Chunked framing (RFC 9112 7.1).
	{name: "chunk size with 0x", ref: "RFC 9112 7.1 (1*HEXDIG)", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n0x3\nabc\n0\n\n", want: []int{400}, then: nextClosed, may: bodyUnread},
	{name: "chunk size with an underscore", ref: "RFC 9112 7.1", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n1_0\n0123456789abcdef\n0\n\n", want: []int{400}, then: nextClosed, may: bodyUnread},
	{name: "chunk size over 64 bits", ref: "RFC 9112 7.1 (overflow)", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n10000000000000003\nabc\n0\n\n", want: []int{400}, then: nextClosed, may: bodyUnread},
	{name: "chunk size of 16 f's", ref: "RFC 9112 7.1 (overflow)", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\nffffffffffffffff\nabc\n0\n\n", want: []int{400}, then: nextClosed, may: bodyUnread},
	{name: "chunk size over the body limit", ref: "RFC 9110 15.5.14 (413)", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n7fffffffffffffff\nabc\n0\n\n", want: []int{413}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 400), allow(nextClosed, 408), allow(nextClosed, 200)}},
	{name: "negative chunk size", ref: "RFC 9112 7.1", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n-3\nabc\n0\n\n", want: []int{400}, then: nextClosed, may: bodyUnread},
	{name: "chunk size with a trailing space", ref: "RFC 9112 7.1.1 (BWS only before ';')", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n3 \nabc\n0\n\n", want: []int{400}, then: nextClosed, may: bodyUnread},
	{name: "chunk line ended by a bare LF", ref: "RFC 9112 7.1 (CRLF; smuggling)", raw: "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", lf: true, want: []int{400}, then: nextClosed, may: bodyUnread},
	{name: "missing CRLF after chunk data", ref: "RFC 9112 7.1", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n3\nabcde\n0\n\n", want: []int{400}, then: nextClosed, may: bodyUnread},
	{name: "last chunk without the final CRLF", ref: "RFC 9112 7.1.2", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n0\n", want: []int{400}, then: nextClosed, may: bodyUnread},
	{name: "trailer field with whitespace before the colon", ref: "RFC 9112 7.1.2, 5.1", raw: "POST / HTTP/1.1\nHost: localhost\nTransfer-Encoding: chunked\n\n0\nX-T : 1\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextAnswered, 200)}},

	// Field lines (RFC 9112 5, RFC 9110 5.5).
	{name: "whitespace before the colon", ref: "RFC 9112 5.1 (MUST reject: 400)", raw: wireGet("/") + "X-Name : value\n\n", want: []int{400}, then: nextClosed},
	{name: "obs-fold", ref: "RFC 9112 5.2 (400 or unfold)", raw: wireGet("/") + "X-Name: a\n  folded\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 400), allow(nextAnswered, 200)}},
	{name: "field line without a colon", ref: "RFC 9112 5", raw: wireGet("/") + "NoColonHere\n\n", want: []int{400}, then: nextClosed},
	{name: "empty field name", ref: "RFC 9110 5.1", raw: wireGet("/") + ": value\n\n", want: []int{400}, then: nextClosed},
	{name: "field name with a space inside", ref: "RFC 9110 5.1 (token)", raw: wireGet("/") + "X Name: value\n\n", want: []int{400}, then: nextClosed},
	{name: "NUL in a field value", ref: "RFC 9110 5.5 (NUL MUST be rejected or replaced)", raw: wireGet("/") + "X-Name: a\x00b\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextAnswered, 200)}},
	{name: "NUL in a field name", ref: "RFC 9110 5.1", raw: wireGet("/") + "X-Na\x00me: v\n\n", want: []int{400}, then: nextClosed},
	{name: "NUL in the method", ref: "RFC 9112 3.1", raw: "GE\x00T / HTTP/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed},
	{name: "NUL in the target", ref: "RFC 9112 3.2", raw: "GET /index.html\x00.txt HTTP/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed},
	{name: "bare CR in a field value", ref: "RFC 9112 2.2 (bare CR: reject or replace)", raw: wireGet("/") + "X-Name: a\rb\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextAnswered, 200)}},
	{name: "bare CR in a field name", ref: "RFC 9112 2.2", raw: wireGet("/") + "X-\rName: v\n\n", want: []int{400}, then: nextClosed},
	{name: "bare CR in the target", ref: "RFC 9112 2.2", raw: "GET /a\rb HTTP/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed},
	{name: "bare CR as a line end", ref: "RFC 9112 2.2 (smuggling)", raw: "GET / HTTP/1.1\rHost: localhost\r\r\n\r\n", lf: true, want: []int{400}, then: nextClosed},
	{name: "DEL in a field value", ref: "RFC 9110 5.5", raw: wireGet("/") + "X-Name: a\x7fb\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextAnswered, 200)}},

	// Request line and target (RFC 9112 3).
	{name: "asterisk-form outside OPTIONS", ref: "RFC 9112 3.2.4", raw: "GET * HTTP/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 404)}},
	{name: "absolute-form with userinfo", ref: "RFC 9110 4.2.4", raw: "GET http://user:pw@localhost/ HTTP/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed},
	{name: "absolute-form with another scheme", ref: "RFC 9112 3.2.2", raw: "GET ftp://localhost/ HTTP/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed},
	{name: "fragment in the target", ref: "RFC 9112 3.2", raw: "GET /#frag HTTP/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 301)}},
	{name: "raw UTF-8 in the target", ref: "RFC 9112 3.2, RFC 3986 2", raw: "GET /caf\xc3\xa9 HTTP/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 301)}},
	{name: "bad percent-encoding", ref: "RFC 3986 2.1", raw: "GET /%zz HTTP/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed},
	{name: "HTTP/1.1 with extra digits", ref: "RFC 9112 2.3 (DIGIT \".\" DIGIT)", raw: "GET / HTTP/1.10\nHost: localhost\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 505)}},
	{name: "HTTP/11.1", ref: "RFC 9112 2.3", raw: "GET / HTTP/11.1\nHost: localhost\n\n", want: []int{400, 505}, then: nextClosed},
	{name: "lowercase http/1.1", ref: "RFC 9112 2.3 (case-sensitive)", raw: "GET / http/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 505)}},
	{name: "HTTP/2.0 request line", ref: "RFC 9110 15.6.6 (505)", raw: "GET / HTTP/2.0\nHost: localhost\n\n", want: []int{505}, then: nextClosed},
	{name: "HTTP/2 preface on the HTTP/1 port", ref: "RFC 9113 3.4", raw: "PRI * HTTP/2.0\n\nSM\n\n", want: []int{400, 505}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 501)}},
	{name: "HTTP/0.9 request (no version)", ref: "RFC 9112 3", raw: "GET /\n", want: []int{400}, then: nextClosed},
	{name: "two spaces in the request line", ref: "RFC 9112 3 (single SP)", raw: "GET  / HTTP/1.1\nHost: localhost\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextAnswered, 200)}},
	{name: "whitespace before the request line", ref: "RFC 9112 2.2", raw: " " + wireGet("/") + "\n", want: []int{400}, then: nextClosed},
	{name: "too many empty lines before the request", ref: "RFC 9112 2.2 (abuse)", raw: "\n\n\n\n\n\n\n\n" + wireGet("/") + "\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextAnswered, 200)}},
	{name: "Expect with an unknown expectation", ref: "RFC 9110 10.1.1 (417)", raw: wireGet("/") + "Expect: 200-ok\n\n", want: []int{417}, then: nextClosed, may: []wireOutcome{allow(nextAnswered, 200)}},

	// Size limits.
	{name: "method longer than the line limit", ref: "RFC 9112 3 (501)", raw: strings.Repeat("M", 10<<10) + " / HTTP/1.1\nHost: localhost\n\n", want: []int{501}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 400, 414), allow(nextEither, 501)}},
	{name: "100 KiB request line", ref: "RFC 9112 3 (414)", raw: wireGet("/"+strings.Repeat("a", 100<<10)) + "\n", want: []int{414}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 400), allow(nextAnswered, 404)}},
	{name: "10,000 small headers", ref: "RFC 6585 5 (431)", raw: wireGet("/") + wireHeaders(10000) + "\n", want: []int{431}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 400), allow(nextAnswered, 200)}},
	{name: "one 9 KiB header line", ref: "RFC 6585 5 (431)", raw: wireGet("/") + "X-Big: " + strings.Repeat("b", 9<<10) + "\n\n", want: []int{431}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 400), allow(nextAnswered, 200)}},
	{name: "40 KiB header section in 1 KiB fields", ref: "RFC 6585 5 (431)", raw: wireGet("/") + strings.Repeat("X-Big: "+strings.Repeat("b", 1<<10)+"\n", 40) + "\n", want: []int{431}, then: nextClosed, may: []wireOutcome{allow(nextClosed, 400), allow(nextAnswered, 200)}},

	// Requests that never complete.
	{name: "request cut short by the client", ref: "RFC 9112 8 (incomplete message)", raw: "GET / HTTP/1.1\nHo", cut: true, may: []wireOutcome{allow(nextClosed, 400, 408)}},
	{name: "body cut short by the client", ref: "RFC 9112 8", raw: "POST / HTTP/1.1\nHost: localhost\nContent-Length: 10\n\nabc", cut: true, want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextClosed), allow(nextClosed, 408), allow(nextClosed, 200)}},
	{name: "connection opened and closed", ref: "RFC 9112 9.6", raw: "", cut: true},
}

// strictWireTests are the rows where the course's graders and the RFCs
// disagree, asked the RFC's way. They run only when the run is strict,
// against a server started in its RFC mode (lisod: --require-host).
var strictWireTests = []wireTest{
	{name: "missing Host", ref: "RFC 9112 3.2 (the course's graders send none)", raw: "GET / HTTP/1.1\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 400)}},
	{name: "absolute-form without Host", ref: "RFC 9112 3.2.2", raw: "GET http://localhost/ HTTP/1.1\n\n", want: []int{400}, then: nextClosed, may: []wireOutcome{allow(nextEither, 400)}},
	{name: "HTTP/1.0 without Host", ref: "RFC 9112 3.2 (HTTP/1.1 only)", raw: "GET / HTTP/1.0\n\n", want: wire200, then: nextClosed},
	{name: "with Host", ref: "RFC 9112 3.2", raw: wireGet("/") + "\n", want: wire200, then: nextAnswered},
	{name: "HTTP/1.2 is served as HTTP/1.1", ref: "RFC 9110 2.5 (the course: other versions 505)", raw: "GET / HTTP/1.2\nHost: localhost\n\n", want: wire200, then: nextAnswered},
}

// The docs sections the wire checks lead to.
const (
	docWire   = "docs/security.md#malformed-requests-http11-conformance"
	docStrict = "docs/security.md#where-the-course-and-the-rfcs-differ"
)

// wireChecks makes a check of each row, named prefix + the row's slug.
// With exact, a row passes only with its first answer (want and then),
// the one this project chose.
func wireChecks(prefix string, rows []wireTest, strict, exact bool) []Check {
	doc := docWire
	if strict {
		doc = docStrict
	}
	var checks []Check
	for _, tt := range rows {
		checks = append(checks, Check{
			Name:   prefix + slug(tt.name),
			Stage:  StageRobust,
			Rule:   tt.ref,
			Doc:    doc,
			Strict: strict,
			Run:    func(c *C) { runWire(c, tt, exact) },
		})
	}
	return checks
}

// withChoices are the rows a server may answer in more than one way.
func withChoices(rows []wireTest) []wireTest {
	var out []wireTest
	for _, tt := range rows {
		if len(tt.may) > 0 {
			out = append(out, tt)
		}
	}
	return out
}

// runWire sends a row and judges what came back.
func runWire(c *C, tt wireTest, exact bool) {
	if tt.courseOnly && c.Strict {
		c.Skip("the course's answer; a strict run asks the RFC's instead (robust/wire-strict/" + slug(tt.name) + ")")
	}
	sent := Shorten(tt.send(), 300)
	if tt.fragment {
		sent += " (one byte per write)"
	}
	if tt.cut {
		sent += " (then the client half-closes)"
	}
	first, rest, err := wireExchange(c.Addr, tt)
	if err != nil {
		c.Fatal(Failure{Sent: sent, Got: err.Error(), Want: tt.expected(exact), Note: tt.ref})
	}
	got := wireGot(first, rest)
	if tt.bodyAhead && first != nil && len(rest) > 0 {
		// The server took the pipelined request's first bytes for the
		// promised body; what it made of the rest is not judged.
		for _, o := range tt.outcomes(exact) {
			if slices.Contains(o.codes, first.Status) {
				c.Logf("the bytes after the head were read as its body; the server then answered %d", rest[0].Status)
				return
			}
		}
	}
	if bad := wireBroken(first, rest); bad != "" {
		c.Fatal(Failure{Sent: sent, Got: got, Want: tt.expected(exact), Note: bad})
	}
	var problems []string
	for i, o := range tt.outcomes(exact) {
		p := o.judge(tt.cut, first, rest)
		if len(p) == 0 {
			if i > 0 {
				c.Logf("answered %s, which the row allows; its first answer, this project's, is %s", o, tt.outcomes(true)[0])
			}
			return
		}
		if i == 0 {
			problems = p // reported against the row's first answer
		}
	}
	c.Fail(Failure{Sent: sent, Got: got, Want: tt.expected(exact), Note: strings.Join(problems, "\n")})
}

// send is what a row puts on the wire: its bytes and, unless the client
// cuts the request short, the pipelined request.
func (tt wireTest) send() string {
	if tt.cut {
		return tt.bytes()
	}
	return tt.bytes() + wireNext
}

// wireBroken names what no row accepts: a file from outside the www
// folder, or a connection out of step (an answer to something never
// asked, or a wrong answer to the pipelined request).
func wireBroken(first *Reply, rest []Reply) string {
	switch {
	case first != nil && strings.Contains(string(first.Body), SecretBody):
		return "the answer holds a file from outside the www folder"
	case len(rest) > 1:
		return fmt.Sprintf("%d answers after the first; want at most the one to the pipelined request (the connection is out of step)", len(rest))
	case len(rest) == 1 && (rest[0].Status != 200 || string(rest[0].Body) != SecondBody):
		return fmt.Sprintf("the pipelined GET /second.txt got %d %q; want 200 %q (the connection is out of step)", rest[0].Status, Shorten(string(rest[0].Body), 80), SecondBody)
	}
	return ""
}

// judge says how an exchange differs from the outcome o (nothing: it is o).
func (o wireOutcome) judge(cut bool, first *Reply, rest []Reply) []string {
	if o.codes == nil {
		if first != nil {
			return []string{fmt.Sprintf("answered %d; want the connection closed without an answer", first.Status)}
		}
		return nil
	}
	if first == nil {
		return []string{"the connection closed without an answer"}
	}
	var p []string
	if !slices.Contains(o.codes, first.Status) {
		p = append(p, fmt.Sprintf("status %d; want %s", first.Status, o))
	}
	switch {
	case cut: // no pipelined request was sent
	case len(rest) == 1 && o.then == nextClosed:
		p = append(p, "the pipelined request was answered; want the connection closed after the first answer")
	case len(rest) == 0 && o.then == nextAnswered:
		p = append(p, "the connection closed after the first answer; want the pipelined request answered")
	case len(rest) == 0 && !first.Close:
		p = append(p, `the connection closed after an answer that did not say "Connection: close" (RFC 9112 9.6)`)
	}
	return p
}

// wireGot says what an exchange got, for a failure message.
func wireGot(first *Reply, rest []Reply) string {
	switch {
	case first == nil:
		return "the connection closed without an answer"
	case len(rest) == 0:
		return fmt.Sprintf("%d, then closed:\n%s", first.Status, first.Head())
	default:
		return fmt.Sprintf("%d, then the pipelined request answered %d:\n%s", first.Status, rest[0].Status, first.Head())
	}
}

// wireExchange sends a row and reads what comes back: the first answer
// (nil if the connection closed first) and the answers after it.
func wireExchange(addr string, tt wireTest) (first *Reply, rest []Reply, err error) {
	conn, err := Dial(addr)
	if err != nil {
		return nil, nil, err
	}
	c := conn.(*net.TCPConn)
	// Write from another goroutine: the server may answer, and close,
	// before it has read everything (a 100 KiB request line), and a writer
	// that is not read from must not block the reader.
	wrote := make(chan error, 1)
	send := tt.send()
	go func() { wrote <- wireWrite(c, send, tt.fragment, tt.cut) }()
	defer func() {
		c.Close()
		<-wrote // a failed write is expected when the server closed first
	}()
	br := bufio.NewReader(c)
	if _, err := br.Peek(1); err != nil {
		if Closed(err) {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("waiting for an answer: %w", err)
	}
	r, err := ReadReply(br, Method(send))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the first answer: %w", err)
	}
	rest, err = ReadAllReplies(br, "GET")
	return &r, rest, err
}

// wireWrite sends s, one byte per write when fragment is set, and
// half-closes the connection when cut is set.
func wireWrite(c *net.TCPConn, s string, fragment, cut bool) error {
	if !fragment {
		if _, err := io.WriteString(c, s); err != nil {
			return err
		}
	} else {
		for i := range len(s) {
			if _, err := c.Write([]byte{s[i]}); err != nil {
				return err
			}
		}
	}
	if cut {
		return c.CloseWrite()
	}
	return nil
}
