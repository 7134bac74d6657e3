// Package httpmsg reads HTTP/1.1 requests from a byte stream as specified in
// RFC 9112 (HTTP/1.1 message syntax and framing), with the field semantics
// of RFC 9110. Checkpoint 2 introduces it: the checkpoint 2 and 3 servers
// read every request through a Reader.
//
// How it works, in three steps:
//
//  1. Reader.ReadRequest reads the request head (the request line and the
//     header section, up to the empty line) line by line into a scratch
//     buffer, enforcing Limits while it reads, so a hostile client can make
//     it hold only about MaxHeaderBytes+MaxLineBytes bytes.
//  2. The head is copied once into a string and parsed by small pure
//     functions (splitRequestLine, parseTarget, parseFieldLine,
//     bodyLength, ...), each marked with the grammar rule it implements
//     and its RFC section.
//  3. The body is framed as RFC 9112 section 6.3 says (chunked, else
//     Content-Length, else none), and Request.Body reads exactly those
//     bytes, so a pipelined next request stays in the bufio.Reader.
//
// The path is decoded once, here: Request.Path is the target's path
// decoded and cleaned by DecodePath (the one rule for '%2F', '+' and
// ".."), and
// Request.RawPath the path as sent. Handlers use Path to find what a
// request names and RawPath where a URL goes back out; none decodes again.
//
// Why it is fast: every string in a Request (Method, Target, RawPath,
// field names and values, Host, and Path unless the path has a
// %-escape) is a slice of the one head string, and the Header slice is
// reused from one request to the next, so a typical request costs one
// allocation. Nothing else is pooled or unsafe.
//
// Errors: a request the server must refuse is a *StatusError carrying the
// status code to answer; a stream that ends gives io.EOF (between requests)
// or io.ErrUnexpectedEOF (inside one); other read errors are wrapped.
//
// Where the RFC lets a recipient choose, this package picks the strict
// option that keeps framing unambiguous (no obs-fold, no whitespace before
// a colon, exact single spaces in the request line, CRLF inside chunked
// bodies) and is lenient only where RFC 9112 invites it (a bare LF ends a
// request or field line; empty lines before a request are skipped). Each
// choice is noted at the code that makes it.
package httpmsg
