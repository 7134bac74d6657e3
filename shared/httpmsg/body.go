package httpmsg

import (
	"fmt"
	"io"
	"strings"
)

// This file holds the two body readers. Both read through Reader.br at each
// call (so Reset may swap it between requests) and stop exactly at the end
// of the body. Their errors are sticky: once a body fails, every Read, and
// the next ReadRequest, returns the same error.

// fixedBody reads a body of known length (Content-Length, RFC 9112 6.2), or
// the empty body of a request without one.
type fixedBody struct {
	r    *Reader
	left int64 // body bytes not yet read
	err  error // sticky read error
}

func (b *fixedBody) Read(p []byte) (int, error) {
	switch {
	case b.err != nil:
		return 0, b.err
	case b.left == 0:
		return 0, io.EOF
	case int64(len(p)) > b.left:
		p = p[:b.left]
	}
	n, err := b.r.br.Read(p)
	b.left -= int64(n)
	switch {
	case err == io.EOF && b.left > 0:
		b.err = io.ErrUnexpectedEOF
	case err == io.EOF:
		return n, io.EOF
	case err != nil:
		b.err = fmt.Errorf("httpmsg: reading body: %w", err)
	}
	return n, b.err
}

// chunkedBody decodes the chunked transfer coding (RFC 9112 7.1):
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	last-chunk   = 1*("0") [ chunk-ext ] CRLF
//
// Inside a chunked body every line, trailer lines included, must end in
// CRLF. RFC 9112 2.2 would allow a bare LF after trailer fields, but the
// end of a chunked body is where a server and a proxy in front of it must
// agree exactly on framing, and disagreeing about line ends there is a
// known way to smuggle a request; net/http refuses it too.
type chunkedBody struct {
	r         *Reader
	left      int64 // data bytes left in the current chunk
	total     int64 // data bytes announced so far, against MaxBodyBytes
	extBytes  int   // chunk-extension bytes so far, against MaxHeaderBytes
	afterData bool  // a chunk's data has been read: its CRLF comes next
	err       error // sticky; io.EOF once the body has been read
}

func (c *chunkedBody) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.left == 0 {
		if c.err = c.nextChunk(); c.err != nil {
			return 0, c.err
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.br.Read(p)
	c.left -= int64(n)
	switch {
	case err == io.EOF:
		c.err = io.ErrUnexpectedEOF // c.left was > 0: the chunk is cut short
	case err != nil:
		c.err = fmt.Errorf("httpmsg: reading body: %w", err)
	}
	return n, c.err
}

// nextChunk reads up to the next chunk's data: the CRLF that ends the
// previous chunk's data, then a chunk-size line. At the last chunk it reads
// the trailer section and returns io.EOF.
func (c *chunkedBody) nextChunk() error {
	r := c.r
	if c.afterData {
		if err := r.readCRLF(); err != nil {
			return err
		}
		c.afterData = false
	}
	r.buf = r.buf[:0]
	line, crlf, err := r.readLine(statusBadRequest, "chunk line too long")
	switch {
	case err == io.EOF:
		return io.ErrUnexpectedEOF
	case err != nil:
		return err
	case !crlf:
		return badRequest("chunk line not ended by CRLF")
	}
	// string(line) does not allocate for a short line that does not escape.
	size, extLen, ok := parseChunkLine(string(line))
	if !ok {
		return badRequest("malformed chunk size line")
	}
	// Extensions are skipped, but their total is bounded, so that a client
	// cannot send endless metadata around one-byte chunks.
	if c.extBytes += extLen; c.extBytes > r.lim.MaxHeaderBytes {
		return badRequest("chunk extensions too long")
	}
	if size == 0 {
		return c.readTrailers()
	}
	if size > r.lim.MaxBodyBytes-c.total {
		return &StatusError{Code: statusContentTooLarge, Reason: "request body too large"}
	}
	c.total += size
	c.left = size
	c.afterData = true
	return nil
}

// readCRLF reads the CRLF that must follow chunk data.
//
//	chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF   (RFC 9112 7.1)
func (r *Reader) readCRLF() error {
	for i := 0; i < 2; i++ {
		c, err := r.br.ReadByte()
		switch {
		case err == io.EOF:
			return io.ErrUnexpectedEOF
		case err != nil:
			return fmt.Errorf("httpmsg: reading body: %w", err)
		case c != "\r\n"[i]:
			return badRequest("chunk data not followed by CRLF")
		}
	}
	return nil
}

// readTrailers reads the trailer section after the last chunk, checks each
// field line with the header rules and limits, and drops it: nothing in
// this server uses trailers. It returns io.EOF, the end of the body.
//
//	trailer-section = *( field-line CRLF ) ; then the final CRLF   (RFC 9112 7.1.2)
func (c *chunkedBody) readTrailers() error {
	r := c.r
	r.buf = r.buf[:0]
	if err := r.readFieldLines(true); err != nil {
		return err
	}
	// Only a request with trailers allocates here; an empty section is "".
	for lines := string(r.buf); lines != ""; {
		var line string
		line, lines, _ = strings.Cut(lines, "\n")
		if _, _, err := parseFieldLine(line); err != nil {
			return err
		}
	}
	r.dropBigScratch()
	return io.EOF
}

// parseChunkLine parses a chunk-size line (without its CRLF): the size, at
// most 16 hex digits (more could not fit an int64 anyway), and the length
// of the chunk extensions after it, which are checked and then ignored.
//
//	chunk-size [ chunk-ext ] ; chunk-size = 1*HEXDIG   (RFC 9112 7.1)
func parseChunkLine(line string) (size int64, extLen int, ok bool) {
	i := 0
	for i < len(line) && isHex(line[i]) {
		i++
	}
	if i == 0 || i > 16 {
		return 0, 0, false
	}
	for j := 0; j < i; j++ {
		if size > maxInt64>>4 { // one more digit would overflow
			return 0, 0, false
		}
		size = size<<4 | int64(hexValue(line[j]))
	}
	ext := line[i:]
	return size, len(ext), validChunkExt(ext)
}

// validChunkExt reports whether s is a well-formed list of chunk
// extensions. BWS is allowed only where the grammar puts it, so "5 " (a
// space after the size and no extension) is refused.
//
//	chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-name = token ; chunk-ext-val = token / quoted-string   (RFC 9112 7.1.1)
func validChunkExt(s string) bool {
	for s != "" {
		s = trimLeftOWS(s)
		if !strings.HasPrefix(s, ";") {
			return false
		}
		s = trimLeftOWS(s[1:])
		n := tokenLen(s)
		if n == 0 {
			return false
		}
		s = s[n:]
		if rest := trimLeftOWS(s); strings.HasPrefix(rest, "=") {
			s = trimLeftOWS(rest[1:])
			if strings.HasPrefix(s, `"`) {
				n = quotedStringLen(s)
			} else {
				n = tokenLen(s)
			}
			if n == 0 {
				return false
			}
			s = s[n:]
		}
	}
	return true
}

// tokenLen returns the length of the token at the start of s (0 if none).
func tokenLen(s string) int {
	n := 0
	for n < len(s) && isTchar(s[n]) {
		n++
	}
	return n
}

// quotedStringLen returns the length of the quoted-string at the start of s,
// quotes included, or 0 if s does not start with a complete one.
//
//	quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//	quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )   (RFC 9110 5.6.4)
func quotedStringLen(s string) int {
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1
		case c == '\\' && i+1 < len(s) && validFieldValue(s[i+1:i+2]):
			i++
		case c == '\\' || c < ' ' && c != '\t' || c == 0x7f:
			return 0
		}
	}
	return 0
}

// trimLeftOWS removes leading optional whitespace (BWS is OWS, RFC 9110 5.6.3).
func trimLeftOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

// hexValue returns the value of the hex digit c.
func hexValue(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
