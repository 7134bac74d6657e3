package httpmsg

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

const (
	// maxEmptyLines is how many empty lines may precede a request line.
	// RFC 9112 2.2 asks servers to ignore "at least one" (some clients send
	// a CRLF after a POST body); a few more is generous, many is abuse.
	maxEmptyLines = 4

	// scratchSize is the starting capacity of the scratch buffer; a larger
	// buffer, grown by an unusually big head, is dropped after use, so an
	// idle connection does not keep it.
	scratchSize = 1 << 10
	maxScratch  = 8 << 10
)

// Reader reads the requests of one connection, one after another. It is not
// safe for concurrent use (a connection has one reading goroutine).
type Reader struct {
	br  *bufio.Reader // the connection's bytes; swapped by Reset between requests
	lim Limits        // defaults filled in; immutable

	buf []byte // scratch for the head being read, or one chunk line; reused

	body    io.Reader   // the current request's Body: &fixed or &chunked; never nil
	fixed   fixedBody   // reused for every Content-Length (or empty) body
	chunked chunkedBody // reused for every chunked body

	err error // sticky: after any error framing is lost, so every later call returns it
}

// NewReader returns a Reader that reads requests from br with the limits in
// lim; a zero field in lim means the default from DefaultLimits. br may be
// nil if Reset gives one before the first ReadRequest.
func NewReader(br *bufio.Reader, lim Limits) *Reader {
	r := &Reader{br: br, lim: lim.withDefaults(), buf: make([]byte, 0, scratchSize)}
	r.fixed.r = r
	r.chunked.r = r
	r.body = &r.fixed // an empty body: nothing to skip before the first request
	return r
}

// Reset makes r read from br from now on, as a new Reader would: any
// error and any unread body of what it read before are forgotten. It lets
// the server take a bufio.Reader (and a Reader) from a pool only while a
// request is in flight (we chose Reset over a bufio.Reader argument to
// ReadRequest because Body reads through it too). Within one connection,
// call it only between requests, after Body has been read to io.EOF; and
// return the old bufio.Reader to a pool only when its Buffered() is 0, or
// the pipelined bytes it holds are lost.
func (r *Reader) Reset(br *bufio.Reader) {
	r.br, r.err = br, nil
	r.fixed = fixedBody{r: r}
	r.body = &r.fixed
}

// ReadRequest reads the next request's line and header section into req
// (reusing req's storage: callers keep one Request per connection and call
// ReadRequest again after consuming Body).
//
// If the previous request's Body was not read to the end, ReadRequest first
// reads and discards the rest of it (at most MaxBodyBytes), to reach the next
// request; an error in that body is returned as Body would have returned it.
// A server that would rather not wait for a large unread body, or that
// answered an Expect100 request without sending 100 Continue (the client
// may then never send the body), closes the connection instead.
//
// On a clean end of stream before any byte of a request it returns io.EOF
// (empty lines between requests do not count as bytes of a request); a
// stream that ends mid-request gives io.ErrUnexpectedEOF; other I/O errors
// (e.g. a read deadline) are returned wrapped so errors.Is works
// (errors.Is(err, os.ErrDeadlineExceeded)). Protocol errors are
// *StatusError. After any error the connection must not be reused (framing
// is lost): the Reader returns the same error from then on, and req holds
// whatever was parsed before the error, with an empty Body.
func (r *Reader) ReadRequest(req *Request) error {
	if r.err == nil {
		r.err = r.readRequest(req)
	}
	return r.err
}

func (r *Reader) readRequest(req *Request) error {
	// The rest of the previous body stands between us and the next request.
	if _, err := io.Copy(io.Discard, r.body); err != nil {
		return err
	}
	r.fixed = fixedBody{r: r}
	r.body = &r.fixed
	*req = Request{Header: req.Header[:0], Body: r.body}

	if err := r.readHead(); err != nil {
		return err
	}
	// The one allocation of a typical request: every string in req is a
	// slice of head.
	head := string(r.buf)
	r.dropBigScratch()
	if err := parseHead(head, r.lim.MaxBodyBytes, req); err != nil {
		return err
	}

	if req.Chunked {
		r.chunked = chunkedBody{r: r}
		r.body = &r.chunked
	} else {
		r.fixed.left = req.ContentLength
	}
	req.Body = r.body
	return nil
}

// readHead reads the request line and the header section into r.buf, each
// line without its terminator and followed by "\n", and stops after the
// empty line that ends the section.
func (r *Reader) readHead() error {
	if r.buf == nil {
		r.buf = make([]byte, 0, scratchSize)
	}
	r.buf = r.buf[:0]
	// RFC 9112 2.2: "a server that is expecting to receive and parse a
	// request-line SHOULD ignore at least one empty line (CRLF) received
	// prior to the request-line".
	for empty := 0; ; empty++ {
		line, _, err := r.readLine(statusURITooLong, "request line too long")
		if err != nil {
			if se, ok := err.(*StatusError); ok && se.Code == statusURITooLong {
				return requestLineTooLong(r.buf)
			}
			return err // io.EOF here is the clean end between requests
		}
		if len(line) > 0 {
			break
		}
		if empty == maxEmptyLines {
			return badRequest("too many empty lines before the request line")
		}
	}
	r.buf = append(r.buf, '\n')
	return r.readFieldLines(false)
}

// longestMethod is the length of the longest methods RFC 9110 defines
// (CONNECT, OPTIONS); lisod implements shorter ones only.
const longestMethod = len("CONNECT")

// requestLineTooLong says what made a request line longer than the limit,
// given as much of it as was read. RFC 9112 3 names a status for each
// part: 501 for "a method longer than any that it implements", 414 for a
// request-target "longer than any URI it wishes to parse". Bytes that are
// no method at all are a syntax error.
func requestLineTooLong(partial []byte) error {
	method, _, _ := bytes.Cut(partial, []byte(" "))
	switch {
	case len(method) <= longestMethod:
		return &StatusError{Code: statusURITooLong, Reason: "request target too long"}
	case IsToken(string(method)):
		return &StatusError{Code: statusNotImplemented, Reason: "method too long"}
	}
	return badRequest("malformed method")
}

// readFieldLines appends field lines to r.buf, each followed by "\n", up to
// and without the empty line that ends them; it serves the header section
// and the trailer section of a chunked body, which have the same limits.
// With crlfOnly, a line ended by a bare LF is refused (see chunkedBody).
//
//	*( field-line CRLF ) CRLF   (RFC 9112 2.1, 7.1.2)
func (r *Reader) readFieldLines(crlfOnly bool) error {
	start := len(r.buf)
	for fields := 0; ; fields++ {
		line, crlf, err := r.readLine(statusRequestHeaderFieldsTooLarge, "header field line too long")
		switch {
		case err == io.EOF:
			return io.ErrUnexpectedEOF
		case err != nil:
			return err
		case crlfOnly && !crlf:
			return badRequest("line not ended by CRLF")
		}
		if len(line) == 0 {
			return nil
		}
		if fields == r.lim.MaxFields {
			return &StatusError{Code: statusRequestHeaderFieldsTooLarge, Reason: "too many header fields"}
		}
		r.buf = append(r.buf, '\n')
		// Counted as stored: each line plus one byte for its terminator.
		if len(r.buf)-start > r.lim.MaxHeaderBytes {
			return &StatusError{Code: statusRequestHeaderFieldsTooLarge, Reason: "header section too large"}
		}
	}
}

// readLine appends the next line to r.buf without its terminator and
// returns it (a view into r.buf). crlf reports whether the line ended in
// CRLF rather than a bare LF. A line longer than MaxLineBytes is refused
// with the status code and reason given (414 for a request line, 431 for a
// field line, 400 for a chunk line).
// It returns io.EOF only if the stream ended before the line's first byte.
//
// RFC 9112 2.2: "a recipient MAY recognize a single LF as a line terminator
// and ignore any preceding CR"; we do. A CR anywhere else stays in the line,
// where the parsers reject it as a control character.
func (r *Reader) readLine(tooLongCode int, tooLongReason string) (line []byte, crlf bool, err error) {
	start := len(r.buf)
	for {
		part, err := r.br.ReadSlice('\n')
		r.buf = append(r.buf, part...)
		switch {
		case err == nil:
			r.buf = r.buf[:len(r.buf)-1] // the LF
			if crlf = len(r.buf) > start && r.buf[len(r.buf)-1] == '\r'; crlf {
				r.buf = r.buf[:len(r.buf)-1]
			}
			if len(r.buf)-start > r.lim.MaxLineBytes {
				return nil, false, &StatusError{Code: tooLongCode, Reason: tooLongReason}
			}
			return r.buf[start:], crlf, nil
		case err == bufio.ErrBufferFull:
			// A line longer than the bufio.Reader's buffer: keep reading. The
			// +1 allows for the CR of a CRLF that the next read completes.
			if len(r.buf)-start > r.lim.MaxLineBytes+1 {
				return nil, false, &StatusError{Code: tooLongCode, Reason: tooLongReason}
			}
		case err == io.EOF && len(r.buf) == start:
			return nil, false, io.EOF
		case err == io.EOF:
			return nil, false, io.ErrUnexpectedEOF
		default:
			return nil, false, fmt.Errorf("httpmsg: reading request: %w", err)
		}
	}
}

// dropBigScratch lets the garbage collector have a scratch buffer that an
// unusually large head or line has grown, so idle connections stay small.
func (r *Reader) dropBigScratch() {
	if cap(r.buf) > maxScratch {
		r.buf = nil
	}
}
