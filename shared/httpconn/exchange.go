package httpconn

import (
	"bufio"
	"io"
	"time"

	"liso/shared/httpmsg"
)

// exchange is what a connection needs only while a request is in flight:
// the buffers, the parser, the request and the response. A connection that
// falls idle gives it back to its Server's pool, so that an idle client
// costs only its conn.
type exchange struct {
	br     *bufio.Reader
	bw     *bufio.Writer
	reader *httpmsg.Reader
	req    httpmsg.Request
	body   bodyReader
	w      ResponseWriter

	lastRead time.Duration // when (since epoch) the latest read from the connection returned bytes
}

// epoch is where the connection's read stamps start. A stamp is
// time.Since(epoch), which reads only the monotonic clock: half the cost
// of time.Now, on every read.
var epoch = time.Now()

func (s *Server) newExchange() *exchange {
	x := &exchange{
		br:     bufio.NewReaderSize(nil, 4<<10),
		bw:     bufio.NewWriterSize(nil, 16<<10),
		reader: httpmsg.NewReader(nil, s.Limits),
	}
	x.w.srv, x.w.out, x.w.body = s, x.bw, &x.body
	x.body.srv, x.body.w = s, &x.w
	return x
}

// acquire takes an exchange from the pool for a request in flight.
func (c *conn) acquire() {
	if c.exchange != nil {
		return
	}
	x := c.srv.exchanges.Get().(*exchange)
	x.br.Reset(flushingReader{c})
	x.bw.Reset(deadlineWriter{c})
	x.reader.Reset(x.br)
	x.w.nc, x.body.nc = c.nc, c.nc
	c.exchange = x
}

// release gives the exchange back once nothing is left in its buffers
// (a connection closing with unread pipelined bytes just drops it).
func (c *conn) release() {
	x := c.exchange
	if x == nil || x.br.Buffered() > 0 || x.bw.Buffered() > 0 {
		return
	}
	c.exchange = nil
	x.br.Reset(nil)
	x.bw.Reset(nil)
	x.reader.Reset(nil)
	// Forget the last request, so that the pool holds no client bytes.
	clear(x.req.Header[:cap(x.req.Header)])
	x.req = httpmsg.Request{Header: x.req.Header[:0]}
	clear(x.w.header[:cap(x.w.header)])
	x.w.reset(&x.req)
	x.w.nc, x.body.nc = nil, nil
	x.body.reset(&x.req)
	c.srv.exchanges.Put(x)
}

// flush sends buffered output.
func (c *conn) flush() error {
	if c.exchange == nil || c.bw.Buffered() == 0 {
		return nil
	}
	return c.bw.Flush()
}

// flushingReader is what the bufio.Reader reads from. While a request's
// head is being read, it first flushes pending answers before it blocks
// on the socket, so a client never waits for an answer that sits in our
// buffer while we wait for its next bytes. (A body is read while its own
// answer is being written, maybe on another goroutine: that is not the
// reader's to flush.) It notes when bytes came, for Request.Arrived.
type flushingReader struct{ c *conn }

func (r flushingReader) Read(p []byte) (int, error) {
	c := r.c
	if connState(c.state.Load()) == stateReading {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	n, err := c.nc.Read(p)
	if n > 0 {
		c.lastRead = time.Since(epoch)
	}
	return n, err
}

// deadlineWriter renews the write deadline before every write to the
// socket, so WriteTimeout bounds each write, not the whole response.
type deadlineWriter struct{ c *conn }

func (w deadlineWriter) Write(p []byte) (int, error) {
	w.c.nc.SetWriteDeadline(time.Now().Add(w.c.srv.WriteTimeout))
	return w.c.nc.Write(p)
}

// ReadFrom keeps sendfile(2) reachable through the bufio.Writer: the
// caller (ResponseWriter.ReadFrom) sets the deadline for each chunk.
func (w deadlineWriter) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := w.c.nc.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{w}, r)
}
