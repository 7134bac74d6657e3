package httpconn

import (
	"io"
	"net"
	"sync/atomic"
	"time"

	"liso/shared/httpmsg"
)

// drainLimit is how much of an unread request body the server reads and
// drops to keep the connection; past it, closing is cheaper.
const drainLimit = 256 << 10

// bodyReader is the Body a handler sees. It sends "100 Continue" before
// the first read when the client asked for it (RFC 9110 10.1.1), sets the
// read deadline before each read, and remembers how reading ended.
type bodyReader struct {
	srv       *Server         // for its timeouts
	w         *ResponseWriter // for "100 Continue"
	nc        net.Conn        // the connection, for its read deadline
	r         io.Reader       // the parser's body reader
	expect100 bool            // "100 Continue" is still owed before reading
	eof       bool
	err       error         // sticky: a body that failed cannot be framed any more
	left      int64         // Content-Length bytes not read yet; 0 when chunked (unknown)
	got       int64         // bytes read so far
	waited    time.Duration // time spent waiting for the client's bytes so far

	// unfinished is set while the connection could not go on after the
	// answer if it were sent now: the body failed, "100 Continue" is still
	// owed (the client may never send the body), or more of it is left
	// than done would read and drop. WriteHeader then announces
	// "Connection: close" (RFC 9112 9.6, RFC 9110 10.1.1). It is atomic
	// because a handler may read the body on one goroutine (a CGI host
	// feeding its script) while it writes the answer on another.
	unfinished atomic.Bool
}

func (b *bodyReader) reset(req *httpmsg.Request) {
	*b = bodyReader{srv: b.srv, w: b.w, nc: b.nc, r: req.Body, eof: req.ContentLength == 0, left: max(req.ContentLength, 0)}
	b.expect100 = req.Expect100 && !b.eof
	b.unfinished.Store(b.willClose())
}

// willClose reports whether done would give up on the body now.
func (b *bodyReader) willClose() bool {
	return !b.eof && (b.err != nil || b.expect100 || b.left > drainLimit)
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
		if err := b.w.sendContinue(); err != nil {
			b.err = err
			return 0, err
		}
	}
	start := time.Now()
	b.nc.SetReadDeadline(start.Add(b.timeout()))
	n, err := b.r.Read(p)
	b.waited += time.Since(start)
	b.got += int64(n)
	b.left = max(b.left-int64(n), 0)
	switch {
	case err == io.EOF:
		b.eof = true
	case err != nil:
		b.err = err
	}
	b.unfinished.Store(b.willClose())
	return n, err
}

// timeout is how long the next read may wait for the client: BodyTimeout,
// but no more than what is left of the body's time budget. The budget is
// BodyTimeout plus one second for every MinBodyRate bytes received, and
// only time spent waiting for the client counts against it. So a client
// that sends at least MinBodyRate bytes a second is never cut, while one
// that trickles a byte just often enough to beat the per-read timeout
// (slow POST, R-U-D-Y) is cut about BodyTimeout after it falls behind, as
// Apache's mod_reqtimeout does with its MinRate.
func (b *bodyReader) timeout() time.Duration {
	srv := b.srv
	if srv.MinBodyRate <= 0 {
		return srv.BodyTimeout
	}
	rate := srv.MinBodyRate
	earned := time.Duration(b.got/rate)*time.Second + time.Duration(b.got%rate)*time.Second/time.Duration(rate)
	return min(srv.BodyTimeout, srv.BodyTimeout+earned-b.waited)
}

// done reports whether the request body has been read to its end, so
// that the next request can be framed. A small unread rest is read and
// dropped; a large one, or one the client was never asked for with
// "100 Continue", means the connection must close.
func (b *bodyReader) done() bool {
	if b.eof {
		return true
	}
	if b.err != nil || b.expect100 {
		return false
	}
	io.CopyN(io.Discard, b, drainLimit)
	return b.eof
}
