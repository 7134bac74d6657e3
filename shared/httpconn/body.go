package httpconn

import (
	"io"
	"time"

	"liso/shared/httpmsg"
)

// drainLimit is how much of an unread request body the server reads and
// drops to keep the connection; past it, closing is cheaper.
const drainLimit = 256 << 10

// bodyReader is the Body a handler sees. It sends "100 Continue" before
// the first read when the client asked for it (RFC 9110 10.1.1), renews
// the read deadline before each read, and remembers how reading ended.
type bodyReader struct {
	c         *conn
	r         io.Reader // the parser's body reader
	expect100 bool      // "100 Continue" is still owed before reading
	eof       bool
	err       error // sticky: a body that failed cannot be framed any more
}

func (b *bodyReader) reset(req *httpmsg.Request) {
	*b = bodyReader{c: b.c, r: req.Body, eof: req.ContentLength == 0}
	b.expect100 = req.Expect100 && !b.eof
}

func (b *bodyReader) Read(p []byte) (int, error) {
	switch {
	case b.eof:
		return 0, io.EOF
	case b.err != nil:
		return 0, b.err
	}
	if b.expect100 {
		b.expect100 = false
		if !b.c.w.Written() { // a final answer already refused the body
			b.c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
			if err := b.c.flush(); err != nil {
				b.err = err
				return 0, err
			}
		}
	}
	b.c.nc.SetReadDeadline(time.Now().Add(b.c.srv.BodyTimeout))
	n, err := b.r.Read(p)
	switch {
	case err == io.EOF:
		b.eof = true
	case err != nil:
		b.err = err
	}
	return n, err
}

// bodyDone reports whether the request body has been read to its end, so
// that the next request can be framed. A small unread rest is read and
// dropped; a large one, or one the client was never asked for with
// "100 Continue", means the connection must close.
func (c *conn) bodyDone() bool {
	b := &c.body
	if b.eof {
		return true
	}
	if b.err != nil || b.expect100 {
		return false
	}
	io.CopyN(io.Discard, b, drainLimit)
	return b.eof
}
