// Package httpconn serves HTTP/1.1 on a connection: it reads requests with
// package httpmsg, hands each to a Handler, and writes the answers in order,
// keeping the connection open between requests (RFC 9112 section 9).
//
// A connection's life is a loop: wait for a request, read its head, call
// the handler, finish the response, repeat. Pipelined requests are
// answered in order simply because the loop reads the next request only
// after answering the previous one; their answers leave in one write when
// several requests arrived together, since output is flushed only when the
// loop is about to wait for more input.
//
// Waiting costs almost nothing. An idle plain connection has no goroutine
// and no buffers: it is parked in a server.Poller (one epoll instance for
// all of them, like the course's select() loop), and when bytes arrive a
// worker goroutine takes buffers from pools and serves the burst of
// requests that came. An HTTPS connection keeps a goroutine of its own,
// but its buffers too go back to the pools while it waits. Introduced in
// checkpoint 2; checkpoint 3 serves HTTPS through the same loop.
package httpconn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"liso/shared/httpmsg"
	"liso/shared/server"
	"liso/shared/tlsconfig"
)

// Handler answers one request by writing to w. The connection loop has
// already refused methods other than GET, HEAD and POST with 501.
type Handler interface {
	ServeHTTP(w *ResponseWriter, r *httpmsg.Request)
}

// HandlerFunc lets an ordinary function be a Handler.
type HandlerFunc func(w *ResponseWriter, r *httpmsg.Request)

// ServeHTTP calls f(w, r).
func (f HandlerFunc) ServeHTTP(w *ResponseWriter, r *httpmsg.Request) { f(w, r) }

// Default timeouts; each is a Server field and a lisod flag.
const (
	DefaultHeaderTimeout    = 10 * time.Second
	DefaultBodyTimeout      = 30 * time.Second
	DefaultWriteTimeout     = 30 * time.Second
	DefaultIdleTimeout      = 60 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second

	// DefaultMinBodyRate is the average rate, in bytes a second, below
	// which a request body runs out of time (see Server.MinBodyRate). It
	// is Apache's mod_reqtimeout default: any real client, even on a
	// poor mobile link, is far faster.
	DefaultMinBodyRate = 500
)

// Server is the HTTP side of lisod: a server.Handler that speaks HTTP/1.1
// on each connection it is given. Set its fields before serving.
type Server struct {
	Handler Handler
	Limits  httpmsg.Limits // zero fields mean httpmsg's defaults

	// HeaderTimeout bounds reading a request's head, from its first byte;
	// past it the client gets 408 and the connection closes.
	HeaderTimeout time.Duration
	// BodyTimeout bounds each wait for more of a request body.
	BodyTimeout time.Duration
	// MinBodyRate (bytes a second) bounds a whole request body: beyond
	// BodyTimeout, a body gets one more second of waiting for every
	// MinBodyRate bytes it delivers, so a client that trickles bytes
	// just fast enough to beat BodyTimeout is still cut. 0 means
	// DefaultMinBodyRate; a negative rate turns the check off.
	MinBodyRate int64
	// WriteTimeout bounds each write (and each 4 MiB of a file).
	WriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
	// HandshakeTimeout bounds the TLS handshake of an HTTPS connection.
	HandshakeTimeout time.Duration

	// RequireHost refuses an HTTP/1.1 request without a Host field with
	// 400, as RFC 9112 3.2 says a server must. It is off by default: the
	// course's graders send such requests (their pipelining files and the
	// checkpoint 3 stress checker), and lisod has one site, so a missing
	// Host names it as well as any. Two Host fields, or a malformed one,
	// are refused either way.
	RequireHost bool

	// AccessLog receives one Combined Log Format line per answered
	// request; nil turns it off.
	AccessLog io.Writer
	// Log receives errors; nil discards them.
	Log *slog.Logger

	defaults    sync.Once
	exchanges   sync.Pool    // of *exchange, for this Server's limits
	work        chan *conn   // connections with a burst to serve, for idle workers
	idleWorkers atomic.Int32 // workers waiting on work

	mu     sync.Mutex
	groups map[<-chan struct{}]*connGroup // open connections, by their context's Done; guarded by mu
}

func (s *Server) setDefaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&s.HeaderTimeout, DefaultHeaderTimeout)
	set(&s.BodyTimeout, DefaultBodyTimeout)
	set(&s.WriteTimeout, DefaultWriteTimeout)
	set(&s.IdleTimeout, DefaultIdleTimeout)
	set(&s.HandshakeTimeout, DefaultHandshakeTimeout)
	if s.MinBodyRate == 0 {
		s.MinBodyRate = DefaultMinBodyRate
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	s.exchanges.New = func() any { return s.newExchange() }
	s.work = make(chan *conn)
	s.groups = make(map[<-chan struct{}]*connGroup)
}

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
	num    [24]byte // scratch for formatting numbers

	lastRead uint64 // Tick() after the latest read from the connection
}

func (s *Server) newExchange() *exchange {
	return &exchange{
		br:     bufio.NewReaderSize(nil, 4<<10),
		bw:     bufio.NewWriterSize(nil, 16<<10),
		reader: httpmsg.NewReader(nil, s.Limits),
	}
}

// conn is the state of one connection. It is what an idle connection
// costs, so it stays small: everything a request needs is in the exchange.
// One goroutine at a time owns it: the one serving a burst of requests, or
// for HTTPS the connection's own.
type conn struct {
	srv    *Server
	nc     net.Conn // the connection; a *tls.Conn for HTTPS
	done   func()   // tells the server.Server that the connection is over
	group  *connGroup
	waiter server.Waiter
	spot   server.Spot // the connection's place in the group's Poller

	*exchange // nil while idle: see acquire and release

	idle       atomic.Bool // waiting for a request; shutdown may close it
	stopping   atomic.Bool // the server is shutting down
	broken     bool        // the response could not be framed: close
	between    bool        // the parser is between requests, so it can serve another connection
	requests   int         // answered on this connection
	prev, next *conn       // in its group's list
}

// ServeConn runs the HTTP/1.1 loop on nc until the client or the server
// ends the connection. It implements server.Handler.
func (s *Server) ServeConn(ctx context.Context, nc net.Conn) {
	over := make(chan struct{})
	s.ServeConnAsync(ctx, nc, func() { close(over) })
	<-over
}

// ServeConnAsync serves nc as ServeConn does, but may return while the
// connection is still open: it calls done once the connection is over. It
// implements server.AsyncHandler, which is how lisod uses it.
//
// A plain TCP connection has no goroutine while it waits for a request: it
// is parked in a server.Poller, and each burst of requests that arrives is
// served by a worker goroutine (see runBurst). An HTTPS connection keeps a
// goroutine of its own: TLS may hold decrypted bytes in its buffers, which
// epoll cannot see.
func (s *Server) ServeConnAsync(ctx context.Context, nc net.Conn, done func()) {
	s.defaults.Do(s.setDefaults)
	c := &conn{srv: s, nc: nc, done: done, between: true}
	s.track(ctx, c)
	c.waiter.Init(nc)
	if c.group != nil && c.group.poller != nil && c.spot.Init(nc) {
		c.park()
		return
	}

	defer c.finish()
	if tc, ok := nc.(*tls.Conn); ok {
		if !c.handshake(ctx, tc) {
			return
		}
	}
	for c.awaitRequest() && c.serveBurst() {
	}
}

// finish ends the connection: the server.Server closes it.
func (c *conn) finish() {
	c.release()
	c.srv.untrack(c)
	c.done()
}

// park hands c to the Poller until its next request begins. While it waits,
// no goroutine and no buffer is spent on it.
func (c *conn) park() {
	timeout := c.srv.IdleTimeout
	if c.requests == 0 {
		timeout = c.srv.HeaderTimeout // a new client must start promptly
	}
	s := c.srv
	s.mu.Lock() // against stopGroup, which wakes every parked connection
	if !c.stopping.Load() {
		err := c.group.poller.Park(&c.spot, timeout, c)
		s.mu.Unlock()
		if err != nil {
			s.Log.Error("parking an idle connection", "remote", c.nc.RemoteAddr(), "err", err)
			c.finish()
		}
		return
	}
	s.mu.Unlock()
	c.lastCall()
}

// Wake is the Poller's call: c's next request has begun (readable), or c
// waited past its timeout.
func (c *conn) Wake(readable bool) {
	if readable {
		c.srv.runBurst(c)
		return
	}
	c.finish()
}

// lastCall serves a request whose bytes arrived just as shutdown began,
// and otherwise ends the connection.
func (c *conn) lastCall() {
	if c.waiter.Pending() {
		c.srv.runBurst(c) // serveOne will close the connection after it
		return
	}
	c.finish()
}

// connGroup is the open connections that were given one context (in
// lisod, all of them: the server's), and the Poller their idle plain
// connections wait in. When the context ends, shutdown begins: the
// group's connections are told, and those waiting idle for a request are
// woken. One context.AfterFunc for the group, instead of one for each
// connection, saves an idle connection about 200 bytes.
type connGroup struct {
	key    <-chan struct{} // the context's Done, the group's key in Server.groups
	first  *conn           // a doubly linked list through conn.prev and next
	poller *server.Poller  // nil if it could not be made: then every connection keeps a goroutine
	stop   func() bool     // unregisters the AfterFunc
	ended  bool            // the context has ended
}

// track adds c to the group of its context, making the group if needed.
func (s *Server) track(ctx context.Context, c *conn) {
	done := ctx.Done()
	if done == nil {
		return // a context that can never end: no group
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[done]
	if g == nil {
		g = &connGroup{key: done}
		var err error
		if g.poller, err = server.NewPoller(); err != nil {
			s.Log.Error("no poller for idle connections; each keeps a goroutine", "err", err)
		}
		g.stop = context.AfterFunc(ctx, func() { s.stopGroup(g) })
		s.groups[done] = g
	}
	if g.ended {
		c.stopping.Store(true)
	}
	c.group = g
	c.next = g.first
	if g.first != nil {
		g.first.prev = c
	}
	g.first = c
}

// untrack removes c from its group, and drops the group if it is left
// empty after its context ended. An empty group of a live context is
// kept: a server's connections come and go, and its Poller with them
// would be made and torn down again and again.
func (s *Server) untrack(c *conn) {
	g := c.group
	if g == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		g.first = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	}
	c.prev, c.next, c.group = nil, nil, nil
	if g.first == nil && g.ended {
		s.dropGroup(g)
	}
}

// dropGroup forgets a group that has ended and has no connections left.
// The caller holds s.mu.
func (s *Server) dropGroup(g *connGroup) {
	g.stop()
	if g.poller != nil {
		g.poller.Close()
	}
	delete(s.groups, g.key)
}

// stopGroup runs when a group's context ends: every connection learns
// that the server is shutting down. One waiting idle for a request is
// woken: a parked one is taken back from the Poller, one with a goroutine
// gets a read deadline in the past. One in the middle of a request
// finishes it and then closes.
func (s *Server) stopGroup(g *connGroup) {
	var unparked []*conn
	s.mu.Lock()
	g.ended = true
	if g.first == nil {
		s.dropGroup(g)
	}
	now := time.Now()
	for c := g.first; c != nil; c = c.next {
		c.stopping.Store(true)
		switch {
		case g.poller != nil && g.poller.Unpark(&c.spot):
			unparked = append(unparked, c)
		case c.idle.Load():
			c.nc.SetReadDeadline(now)
		}
	}
	s.mu.Unlock()
	for _, c := range unparked {
		c.lastCall()
	}
}

// maxIdleWorkers bounds the burst workers kept waiting for work.
const maxIdleWorkers = 128

// runBurst has a worker goroutine serve the requests that have arrived on
// c, then park c again or finish it. Workers are reused, because a fresh
// goroutine starts with a 2 KiB stack and would grow it (by copying) on
// every burst; a worker's stack has already grown to what parsing and
// handling need.
func (s *Server) runBurst(c *conn) {
	select {
	case s.work <- c: // an idle worker takes it
	default:
		go s.worker(c)
	}
}

// worker serves bursts until it has waited for work too long, or too many
// workers already wait.
func (s *Server) worker(c *conn) {
	timer := time.NewTimer(time.Minute)
	defer timer.Stop()
	for {
		if c.serveBurst() {
			c.park() // c is no longer ours
		} else {
			c.finish()
		}
		if s.idleWorkers.Add(1) > maxIdleWorkers {
			s.idleWorkers.Add(-1)
			return
		}
		timer.Reset(time.Minute)
		select {
		case c = <-s.work:
			s.idleWorkers.Add(-1)
		case <-timer.C:
			s.idleWorkers.Add(-1)
			return
		}
	}
}

// serveBurst answers the requests that have arrived, and reports whether
// the connection goes on. It returns when the input runs out, with the
// answers sent and the exchange given back.
func (c *conn) serveBurst() bool {
	c.acquire()
	if !c.waiter.Waits() {
		// No readiness wait for this connection (TLS): wait for the
		// first byte in the buffered reader instead.
		c.idle.Store(true)
		_, err := c.br.Peek(1)
		c.idle.Store(false)
		if err != nil {
			return false
		}
	}
	for c.serveOne() {
		if c.br.Buffered() == 0 {
			if c.flush() != nil {
				return false
			}
			c.release()
			return true
		}
		// Answers to pipelined requests wait in bw until input runs out,
		// so that they leave in one write.
	}
	return false
}

// handshake runs the TLS handshake under HandshakeTimeout.
func (c *conn) handshake(ctx context.Context, tc *tls.Conn) bool {
	hctx, cancel := context.WithTimeout(ctx, c.srv.HandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		// HandshakeError says so when the client rejected the certificate,
		// which crypto/tls may report as "bad record MAC".
		c.srv.Log.Info("TLS handshake failed", "remote", tc.RemoteAddr(), "err", tlsconfig.HandshakeError(tc, err))
		return false
	}
	return true
}

func (c *conn) shuttingDown() bool { return c.stopping.Load() }

// serveOne reads and answers one request, reporting whether the
// connection goes on.
func (c *conn) serveOne() bool {
	c.nc.SetReadDeadline(time.Now().Add(c.srv.HeaderTimeout))
	c.between = false
	fresh, readBefore := c.br.Buffered() == 0, c.lastRead
	err := c.reader.ReadRequest(&c.req)
	if err != nil {
		if fresh && c.lastRead == readBefore && errors.Is(err, os.ErrDeadlineExceeded) {
			// Not one byte came: Wait woke early (see server.Waiter),
			// and the client stayed idle. Close as an idle timeout
			// does, without a 408 for a request never begun.
			return false
		}
		return c.readFailed(err)
	}
	req := &c.req
	c.w.reset(req)
	c.w.arrived = c.lastRead
	c.body.reset(req)
	req.Body = &c.body

	switch {
	case c.srv.RequireHost && req.Minor == 1 && !req.Header.Has("Host"):
		c.w.SetClose()
		c.w.Error(400) // RFC 9112 3.2, when asked for: see RequireHost
	case req.Method == "GET", req.Method == "HEAD", req.Method == "POST":
		c.callHandler(req)
	default:
		c.w.Error(501) // a well-formed method lisod does not implement
	}
	c.w.finish()
	if !c.bodyDone() {
		c.broken = true
	}
	c.between = !c.broken
	c.requests++
	c.logAccess()
	if c.broken || c.w.closeAfter {
		c.flush()
		return false
	}
	return !c.shuttingDown()
}

// callHandler runs the handler on one request. A panic in it costs only
// this connection, as in net/http: it is logged once with its stack, the
// client gets a 500 if nothing was written yet (else the answer is cut
// short), and the connection closes, since the handler may have left the
// exchange half done. Every other connection goes on being served.
func (c *conn) callHandler(req *httpmsg.Request) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		c.srv.Log.Error("handler panic; connection closed", "remote", c.nc.RemoteAddr(),
			"method", req.Method, "target", req.Target, "panic", v, "stack", string(debug.Stack()))
		if c.w.Written() {
			c.broken = true
			return
		}
		c.w.header = c.w.header[:0] // they were set for an answer that never happened
		c.w.SetClose()
		c.w.Error(500)
	}()
	c.srv.Handler.ServeHTTP(&c.w, req)
}

// awaitRequest waits, holding no buffers, until the next request begins,
// and reports whether it did before the idle timeout or shutdown.
func (c *conn) awaitRequest() bool {
	timeout := c.srv.IdleTimeout
	if c.requests == 0 {
		timeout = c.srv.HeaderTimeout // a new client must start promptly
	}
	c.nc.SetReadDeadline(time.Now().Add(timeout))
	c.idle.Store(true)
	if c.shuttingDown() {
		c.idle.Store(false)
		return c.waiter.Pending()
	}
	err := c.waiter.Wait()
	c.idle.Store(false)
	if err != nil {
		// Shutdown wakes idle connections with a deadline in the past; a
		// request whose bytes had just arrived is still answered.
		if !c.shuttingDown() || !c.waiter.Pending() {
			return false
		}
	}
	return true
}

// readFailed answers a request that could not be read, if it deserves an
// answer, and ends the connection.
func (c *conn) readFailed(err error) bool {
	var se *httpmsg.StatusError
	switch {
	case errors.As(err, &se):
		c.answerError(se.Code)
	case errors.Is(err, os.ErrDeadlineExceeded):
		if !c.shuttingDown() {
			c.answerError(408) // started a request but did not finish it in time
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// The client went away.
	default:
		c.srv.Log.Info("reading request", "remote", c.nc.RemoteAddr(), "err", err)
	}
	return false
}

// answerError sends an error page for a request whose head could not be
// read, then the connection closes: its framing is lost.
func (c *conn) answerError(code int) {
	c.w.reset(&c.req)
	c.w.closeAfter = true
	if c.req.Proto == "" {
		c.req.Minor = 1 // the request line never parsed: answer as HTTP/1.1
	}
	c.w.Error(code)
	c.w.finish()
	c.logAccess()
	c.flush()
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
	x.w.c, x.body.c = c, c
	c.exchange = x
}

// release gives the exchange back once nothing is left in its buffers.
func (c *conn) release() {
	x := c.exchange
	if x == nil || x.br.Buffered() > 0 || x.bw.Buffered() > 0 {
		return
	}
	c.exchange = nil
	if !c.between {
		// The parser stopped in the middle of a request, or after an
		// error it keeps returning: it cannot read another connection's.
		x.reader = httpmsg.NewReader(nil, c.srv.Limits)
	}
	x.br.Reset(nil)
	x.bw.Reset(nil)
	x.reader.Reset(nil)
	// Forget the last request, so that the pool holds no client bytes.
	clear(x.req.Header[:cap(x.req.Header)])
	x.req = httpmsg.Request{Header: x.req.Header[:0]}
	clear(x.w.header[:cap(x.w.header)])
	x.w = ResponseWriter{header: x.w.header[:0]}
	x.body.reset(&x.req)
	x.body.c = nil
	c.srv.exchanges.Put(x)
}

// flush sends buffered output.
func (c *conn) flush() error {
	if c.exchange == nil || c.bw.Buffered() == 0 {
		return nil
	}
	return c.bw.Flush()
}

// write sends body bytes through the buffer.
func (c *conn) write(p []byte) (int, error) { return c.bw.Write(p) }

// flushingReader is what the bufio.Reader reads from: before it blocks on
// the socket it flushes pending answers, so a client never waits for an
// answer that sits in our buffer while we wait for its next bytes.
type flushingReader struct{ c *conn }

func (r flushingReader) Read(p []byte) (int, error) {
	if err := r.c.flush(); err != nil {
		return 0, err
	}
	n, err := r.c.nc.Read(p)
	if n > 0 {
		r.c.lastRead = Tick() // for ResponseWriter.Arrived
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

// Refuse answers a connection over the server's cap with 503 Service
// Unavailable and lets it close. It is meant for server.Server.Refuse,
// which gives it a one-second deadline. It reads the request's head first
// (what arrives within that second, up to 8 KiB): a client that gets an
// answer before it has sent its request may take it for garbage (Go's
// client does), and closing with unread bytes would reset the connection
// and could destroy the answer before the client reads it.
func (s *Server) Refuse(nc net.Conn) {
	var head [8 << 10]byte
	n := 0
	for n < len(head) && !bytes.Contains(head[:n], []byte("\r\n\r\n")) {
		m, err := nc.Read(head[n:])
		n += m
		if err != nil {
			break
		}
	}
	page := ErrorPage(503)
	nc.Write([]byte(statusLine(503) + "Server: " + ServerName + "\r\n" + string(dates.format(time.Now())) +
		"Content-Type: text/html\r\nContent-Length: " + strconv.Itoa(len(page)) +
		"\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + page))
}
