package httpconn

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"liso/shared/httpmsg"
	"liso/shared/server"
)

// ServerName is the Server header lisod sends with every response.
const ServerName = server.Name

// ErrBodyTooLong is returned by Write when a handler writes more bytes
// than the Content-Length it declared; the extra bytes are not sent.
var ErrBodyTooLong = errors.New("httpconn: body longer than its Content-Length")

// sendfileChunk is how much one sendfile(2) call may send before the write
// deadline is renewed: a client must take 4 MiB per WriteTimeout.
const sendfileChunk = 4 << 20

// ResponseWriter builds the answer to one request. A handler sets header
// fields, calls WriteHeader (or lets the first Write do it with 200), and
// writes the body. The writer frames the body itself: with the
// Content-Length the handler set, else chunked (HTTP/1.1), else by closing
// the connection (HTTP/1.0). It is reused for every request of a
// connection.
//
// A ResponseWriter is the seam between a handler and the connection: it
// holds the connection's output buffer only while it answers, and what
// it learns (the answer was cut short, the connection must close) the
// connection reads from it afterwards. Its methods are for one goroutine,
// with one exception a CGI host needs: the request's Body may be read on
// another goroutine while the answer is written.
type ResponseWriter struct {
	srv  *Server       // for its settings, and whether it is stopping
	out  *bufio.Writer // the connection's output buffer
	nc   net.Conn      // the connection, for its addresses, TLS state and write deadline
	body *bodyReader   // the request's body, which may owe "100 Continue"
	req  *httpmsg.Request

	// mu orders WriteHeader and Flush against the "100 Continue" that
	// the body's reader sends (from whichever goroutine reads the body):
	// the interim answer must leave before the final one, or not at all.
	mu sync.Mutex

	header        httpmsg.Header // fields set by the handler; reused
	status        int            // 0 until WriteHeader
	contentLength int64          // declared body length, -1 if unknown
	chunked       bool           // the body goes out in chunks
	noBody        bool           // HEAD, 1xx, 204 or 304: body bytes are dropped
	written       int64          // body bytes accepted so far
	closeAfter    bool           // close the connection after this response
	raw           bool           // the handler writes the whole response itself
	cut           bool           // the answer could not be completed: the connection must close
	num           [24]byte       // scratch for formatting numbers
}

// reset prepares w for the next request.
func (w *ResponseWriter) reset(req *httpmsg.Request) {
	w.req, w.header, w.status, w.contentLength = req, w.header[:0], 0, -1
	w.chunked, w.noBody, w.written, w.closeAfter, w.raw, w.cut = false, false, 0, false, false, false
}

// Request is the request being answered.
func (w *ResponseWriter) Request() *httpmsg.Request { return w.req }

// RemoteAddr is the client's address.
func (w *ResponseWriter) RemoteAddr() net.Addr { return w.nc.RemoteAddr() }

// LocalAddr is the server's address the request came in on (CGI's
// SERVER_PORT).
func (w *ResponseWriter) LocalAddr() net.Addr { return w.nc.LocalAddr() }

// TLS reports the TLS state of an HTTPS connection, or nil for plain HTTP.
func (w *ResponseWriter) TLS() *tls.ConnectionState {
	if tc, ok := w.nc.(*tls.Conn); ok {
		st := tc.ConnectionState()
		return &st
	}
	return nil
}

// Header is the response's header fields so far (read only: use SetHeader
// and AddHeader to change them).
func (w *ResponseWriter) Header() httpmsg.Header { return w.header }

// SetHeader replaces every field called name with one field name: value.
// Framing fields (Content-Length, Transfer-Encoding, Connection) are the
// writer's own: use SetContentLength and SetClose instead.
func (w *ResponseWriter) SetHeader(name, value string) {
	w.DelHeader(name)
	w.AddHeader(name, value)
}

// AddHeader adds a field, keeping any others of the same name (as
// Set-Cookie needs).
func (w *ResponseWriter) AddHeader(name, value string) {
	if w.status != 0 || isFramingField(name) {
		return
	}
	w.header = append(w.header, httpmsg.Field{Name: name, Value: value})
}

// DelHeader removes every field called name.
func (w *ResponseWriter) DelHeader(name string) {
	kept := w.header[:0]
	for _, f := range w.header {
		if !strings.EqualFold(f.Name, name) {
			kept = append(kept, f)
		}
	}
	w.header = kept
}

func isFramingField(name string) bool {
	return strings.EqualFold(name, "Content-Length") ||
		strings.EqualFold(name, "Transfer-Encoding") ||
		strings.EqualFold(name, "Connection")
}

// SetContentLength declares the body's length in bytes, so that it is
// framed by Content-Length (and the connection can stay open).
func (w *ResponseWriter) SetContentLength(n int64) {
	if w.status == 0 && n >= 0 {
		w.contentLength = n
	}
}

// SetClose makes the connection close after this response.
func (w *ResponseWriter) SetClose() {
	if w.status == 0 {
		w.closeAfter = true
	}
}

// Written reports whether the status line has been written (or buffered).
func (w *ResponseWriter) Written() bool { return w.status != 0 }

// WriteHeader sends the status line and header fields. Calls after the
// first are ignored.
func (w *ResponseWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status != 0 {
		return
	}
	if code < 100 || code > 999 {
		code = 500
	}
	w.status = code
	req := w.req
	w.noBody = bodyForbidden(code) || req.Method == "HEAD"
	if w.srv.stopping.Load() || req.Close || w.body.unfinished.Load() {
		w.closeAfter = true
	}

	bw := w.out
	bw.WriteString(statusLine(code))
	bw.WriteString("Server: " + ServerName + "\r\n")
	bw.Write(dates.format(time.Now()))
	for _, f := range w.header {
		bw.WriteString(f.Name)
		bw.WriteString(": ")
		bw.WriteString(f.Value)
		bw.WriteString("\r\n")
	}
	switch {
	case bodyForbidden(code):
		// RFC 9112 6.3: no framing fields; 304 and 204 end at the blank line.
	case w.contentLength >= 0:
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(w.num[:0], w.contentLength, 10))
		bw.WriteString("\r\n")
	case req.Method == "HEAD":
		// Unknown length and no body: say nothing about framing.
	case req.Minor >= 1:
		// RFC 9112 7.1: a length not known in advance goes out in chunks.
		w.chunked = true
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	default:
		// HTTP/1.0 has no chunks: the end of the connection ends the body.
		w.closeAfter = true
	}
	if w.closeAfter {
		bw.WriteString("Connection: close\r\n\r\n")
	} else {
		bw.WriteString("Connection: keep-alive\r\n\r\n")
	}
}

// Write sends body bytes, writing a 200 header first if none was written.
func (w *ResponseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(200)
	}
	if w.raw {
		return w.out.Write(p)
	}
	if w.noBody {
		return len(p), nil
	}
	if w.contentLength >= 0 && w.written+int64(len(p)) > w.contentLength {
		n, _ := w.Write(p[:w.contentLength-w.written])
		return n, ErrBodyTooLong
	}
	w.written += int64(len(p))
	if !w.chunked {
		return w.out.Write(p)
	}
	if len(p) == 0 {
		return 0, nil // a zero-length chunk would end the body
	}
	bw := w.out
	bw.Write(strconv.AppendInt(w.num[:0], int64(len(p)), 16))
	bw.WriteString("\r\n")
	n, err := bw.Write(p)
	bw.WriteString("\r\n")
	return n, err
}

// ReadFrom sends the body from r: at most the declared Content-Length, or
// all of r. On a plain TCP connection with a known length, the bytes go
// from a file to the socket by sendfile(2), without passing through user
// space.
func (w *ResponseWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.WriteHeader(200)
	}
	if w.noBody && !w.raw {
		return 0, nil
	}
	if w.chunked || w.raw || w.contentLength < 0 {
		return io.Copy(writerOnly{w}, r)
	}
	var total int64
	for w.written < w.contentLength {
		// io.CopyN hands the connection an io.LimitedReader over the
		// file, which net.TCPConn.ReadFrom turns into sendfile(2); the
		// bufio.Writer first fills what room it has (after the header),
		// so a small file leaves in the same write as its header.
		w.nc.SetWriteDeadline(time.Now().Add(w.srv.WriteTimeout))
		n, err := io.CopyN(w.out, r, min(sendfileChunk, w.contentLength-w.written))
		w.written += n
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// writerOnly hides ReadFrom, so that io.Copy does not call it again.
type writerOnly struct{ io.Writer }

// Flush sends everything buffered to the client now (CGI output is
// streamed this way).
func (w *ResponseWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Flush()
}

// sendContinue sends the interim answer "100 Continue" that a client who
// sent "Expect: 100-continue" waits for before it sends the body, unless
// a final answer has begun: that answer refuses the body instead (RFC
// 9110 10.1.1).
func (w *ResponseWriter) sendContinue() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status != 0 {
		return nil
	}
	w.out.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
	return w.out.Flush()
}

// Error answers with code and a short HTML page, if nothing was written
// yet; otherwise the response is cut short and the connection closed.
func (w *ResponseWriter) Error(code int) {
	if w.status != 0 {
		w.cut = true
		return
	}
	page := ErrorPage(code)
	// Fields the handler set stay (Location for a redirect, Content-Range
	// for a 416); the body is ours, so its type is too.
	w.SetHeader("Content-Type", "text/html")
	w.SetContentLength(int64(len(page)))
	w.WriteHeader(code)
	io.WriteString(w, page)
}

// Raw lets the handler write the whole response, status line included,
// as the course's non-parsed-header CGI scripts do. It must be called
// before anything else is written; the connection closes afterwards.
func (w *ResponseWriter) Raw() (io.Writer, error) {
	if w.status != 0 {
		return nil, fmt.Errorf("httpconn: Raw after the header was written")
	}
	w.raw, w.closeAfter, w.status = true, true, 200
	return writerOnly{w}, nil
}

// finish completes the response after the handler returned: a header if
// none was written, the last chunk, and the check that the body had the
// length it promised.
func (w *ResponseWriter) finish() {
	if w.status == 0 {
		w.SetContentLength(0)
		w.WriteHeader(200)
	}
	switch {
	case w.raw:
	case w.chunked && !w.cut:
		// A cut answer (Error after the header) must not look complete.
		w.out.WriteString("0\r\n\r\n")
	case !w.noBody && w.contentLength >= 0 && w.written < w.contentLength:
		// The client waits for bytes that will never come: only closing
		// the connection tells it the response is incomplete.
		w.cut = true
	}
}
