package httpconn

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"

	"liso/shared/httpconn/internal/poll"
	"liso/shared/httpmsg"
	"liso/shared/proxyproto"
	"liso/shared/tlsconfig"
)

// connState is where a connection is in its life. Every change goes
// through conn.to, which does what entering each state takes; the moves
// (drawn in docs/images/checkpoint2-states.dot, shown in docs/checkpoint2.md)
// and what makes each are:
//
//	idle     -> reading   bytes arrived: the poller woke it, or its own read returned
//	reading  -> handling  a request's head was read
//	handling -> reading   answered, and the next request is already here (pipelining)
//	handling -> idle      answered, the input ran out, the answers are sent
//	idle     -> closed    the idle timeout, a shutdown, the client left
//	reading  -> closed    a bad or unfinished request (answered 400, 408...), the client left
//	handling -> closed    "Connection: close", an answer cut short, a shutdown
//
// A connection starts idle, waiting for its first request.
type connState int32

const (
	// stateIdle: waiting for the next request (or the first), holding no
	// buffers. A plain connection waits parked in the poller, with no
	// goroutine; an HTTPS one waits on the worker it keeps.
	stateIdle connState = iota
	// stateReading: reading a request's head, with an exchange's buffers.
	stateReading
	// stateHandling: the handler has the request; the answer is written.
	stateHandling
	// stateClosed: over. The connection is closed and out of the registry.
	stateClosed
)

// conn is one connection. It is what an idle connection costs, so it stays
// small: everything a request needs is in the exchange. One goroutine at a
// time owns it (a burst worker; for HTTPS, the worker it keeps), and only
// that goroutine changes it; Shutdown only reads its state.
type conn struct {
	srv      *Server
	nc       net.Conn      // the connection; a *tls.Conn for HTTPS
	state    atomic.Int32  // a connState; see to
	spot     poll.Spot     // c's place in the poller while it is parked
	parks    bool          // c waits in the poller when idle (a plain socket, and a poller)
	requests int           // answered on this connection
	ready    time.Duration // when (since epoch) the next request's first bytes were seen waiting; 0 if not seen

	*exchange // the buffers of a request in flight; nil while idle
}

// to moves c to state next, and does what entering it takes: reading
// borrows an exchange, idle gives it back, closed closes the connection
// and takes it out of the registry. It returns next.
func (c *conn) to(next connState) connState {
	switch next {
	case stateReading:
		c.acquire()
	case stateIdle:
		c.release()
	case stateClosed:
		c.release()
		c.nc.Close()
		c.srv.gate.Remove(c)
	}
	c.state.Store(int32(next))
	return next
}

// newConn is the state of a connection just accepted: idle, waiting for
// its first request.
func (s *Server) newConn(nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc}
	c.parks = s.poller != nil && c.spot.Init(nc)
	return c
}

// start begins serving a connection the server has just admitted: a plain
// one is parked until its first request arrives, an HTTPS one is given a
// worker to keep for its whole life.
func (c *conn) start() {
	if c.parks {
		// Most clients send the request right behind the handshake, so its
		// bytes are often here by the time the connection is accepted:
		// then wake c now, as the poller would at once, and spare the
		// poller a registration and a wake-up per connection.
		if c.spot.Pending() {
			c.Wake(true)
			return
		}
		c.park()
		return
	}
	c.srv.runBurst(c) // the worker runs serveOwn (see serveTurn)
}

// serveTurn is what a worker does with c: answer the burst that woke it
// and park it again, or, for a connection that cannot be parked, serve it
// to its end.
func (c *conn) serveTurn() {
	if !c.parks {
		c.serveOwn()
		return
	}
	if c.serveBurst() == stateIdle {
		c.park() // c is no longer ours
	}
}

// serveOwn serves a connection that keeps a goroutine of its own: HTTPS
// (TLS may hold decrypted bytes that epoll cannot see), or any connection
// when no poller could be made. It runs on a burst worker, whose stack has
// grown to what a TLS handshake needs: a fresh goroutine's would grow, by
// copying, during every handshake.
func (c *conn) serveOwn() {
	if tc, ok := c.nc.(*tls.Conn); ok && !c.handshake(tc) {
		c.to(stateClosed)
		return
	}
	for c.serveBurst() == stateIdle {
	}
}

// handshake runs the TLS handshake under HandshakeTimeout. A deadline
// bounds it (the request loop sets its own deadlines afterwards): with a
// context, crypto/tls would start a goroutine per handshake to watch it.
func (c *conn) handshake(tc *tls.Conn) bool {
	tc.SetDeadline(time.Now().Add(c.srv.HandshakeTimeout))
	if err := tc.Handshake(); err != nil {
		// HandshakeError says so when the client rejected the certificate,
		// which crypto/tls may report as "bad record MAC".
		c.srv.Log.Info("TLS handshake failed", "remote", tc.RemoteAddr(), "err", tlsconfig.HandshakeError(tc, err))
		return false
	}
	return true
}

// serveBurst answers the requests that have arrived, and returns the state
// it leaves c in: idle once the input has run out and every answer is
// sent, or closed.
func (c *conn) serveBurst() connState {
	if !c.parks && !c.awaitOwn() {
		return c.to(stateClosed)
	}
	for {
		c.to(stateReading)
		if !c.readRequest() {
			return c.to(stateClosed)
		}
		c.to(stateHandling)
		if !c.answer() {
			return c.to(stateClosed)
		}
		if c.br.Buffered() == 0 {
			if c.flush() != nil {
				return c.to(stateClosed)
			}
			return c.to(stateIdle)
		}
		// Answers to pipelined requests wait in bw until input runs out,
		// so that they leave in one write.
	}
}

// awaitOwn waits, on c's own goroutine, for the next request to begin,
// and reports whether it did before the timeout or shutdown.
func (c *conn) awaitOwn() bool {
	c.nc.SetReadDeadline(time.Now().Add(c.idleTimeout()))
	if c.srv.stopping.Load() {
		return false // Shutdown may have looked at c before it was idle
	}
	c.acquire() // the wait is a read: it needs the buffer
	_, err := c.br.Peek(1)
	return err == nil
}

// idleTimeout is how long c may wait for its next request: a new client
// must start promptly, a kept-alive one may think for a while.
func (c *conn) idleTimeout() time.Duration {
	if c.requests == 0 {
		return c.srv.HeaderTimeout
	}
	return c.srv.IdleTimeout
}

// readRequest reads the next request's head, and reports whether the
// connection goes on to answer it. A request that cannot be read is
// answered here, if it deserves an answer.
func (c *conn) readRequest() bool {
	c.nc.SetReadDeadline(time.Now().Add(c.srv.HeaderTimeout))
	fresh, readBefore := c.br.Buffered() == 0, c.lastRead
	err := c.reader.ReadRequest(&c.req)
	if err == nil {
		c.req.Arrived = epoch.Add(c.arrived(fresh)) // keeps the monotonic reading
		return true
	}
	var se *httpmsg.StatusError
	switch {
	case errors.As(err, &se):
		c.answerError(se.Code)
	case errors.Is(err, os.ErrDeadlineExceeded):
		// Not one byte came: the poller woke c for a request that never
		// began, or shutdown woke it. Close as an idle timeout does.
		// Otherwise the client started a request and did not finish it.
		if !(fresh && c.lastRead == readBefore) && !c.srv.stopping.Load() {
			c.answerError(408)
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// The client went away.
	case errors.Is(err, proxyproto.ErrHeader):
		// A connection from a trusted load balancer without a good PROXY
		// header (package proxyproto): a bad request, and not one to
		// serve in the balancer's name. (Checked after the ends above,
		// which every connection meets, so that they cost no more.)
		c.srv.Log.Info("bad PROXY header", "remote", c.nc.RemoteAddr(), "err", err)
		c.answerError(400)
	default:
		c.srv.Log.Info("reading request", "remote", c.nc.RemoteAddr(), "err", err)
	}
	return false
}

// arrived is the stamp of the request just read, for Request.Arrived: a
// moment by which its first bytes had reached the server. A request that
// began an empty buffer takes the moment those bytes were seen waiting,
// when they were (the poller woke c for them, or they were there when c was
// accepted): every request woken together then shares the one stat (see
// package static) even though each is read later. Otherwise it takes the
// last read, which brought its bytes.
func (c *conn) arrived(fresh bool) time.Duration {
	ready := c.ready
	c.ready = 0 // only the first request of a burst was seen waiting
	if fresh && ready != 0 {
		return ready
	}
	return c.lastRead
}

// answer has the request answered and finishes the answer, and reports
// whether the connection can go on to another request.
func (c *conn) answer() bool {
	req, w := &c.req, &c.w
	w.reset(req)
	c.body.reset(req)
	req.Body = &c.body
	if req.ContentLength != 0 && c.bw.Buffered() > 0 {
		// Earlier pipelined answers go now: while the handler reads this
		// body (maybe on another goroutine, as the CGI host does), only
		// its own answer is in bw.
		if c.flush() != nil {
			return false
		}
	}

	switch {
	case c.srv.RequireHost && req.Minor == 1 && !req.Header.Has("Host"):
		w.SetClose()
		w.Error(400) // RFC 9112 3.2, when asked for: see RequireHost
	case req.Method == "GET", req.Method == "HEAD", req.Method == "POST":
		c.callHandler(req)
	default:
		w.Error(501) // a well-formed method lisod does not implement
	}
	w.finish()
	framed := !w.cut && c.body.done()
	c.requests++
	c.logAccess()
	if !framed || w.closeAfter {
		c.flush()
		return false
	}
	return !c.srv.stopping.Load()
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
		w := &c.w
		if w.Written() {
			w.cut = true
			return
		}
		w.header = w.header[:0] // they were set for an answer that never happened
		w.SetClose()
		w.Error(500)
	}()
	c.srv.Handler.ServeHTTP(&c.w, req)
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
