// Package server accepts TCP connections and serves each one on its own
// goroutine, the Go counterpart of the course's select() loop.
//
// In C, one thread multiplexes every socket with select() and non-blocking
// reads. In Go the runtime does that multiplexing for us: a goroutine that
// blocks on a socket is parked, and the runtime's network poller (epoll on
// Linux) wakes it when the socket is ready. So a server can be written as
// straight-line code per connection and still serve thousands at once.
//
// The package adds what a real server needs around that loop: a cap on open
// connections, back-off when accept fails (for example when file
// descriptors run out), and graceful shutdown. Introduced in checkpoint 1;
// every later checkpoint serves through it.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

// DefaultMaxConns is the connection cap when Server.MaxConns is zero. The
// course's select() could watch at most 1024 descriptors (FD_SETSIZE); a
// goroutine per connection has no such limit, so the cap is a policy.
const DefaultMaxConns = 10000

// Handler serves one connection. ServeConn owns c until it returns; the
// server closes c afterwards. ctx is cancelled when the server starts to
// shut down: a handler should then finish the exchange in progress and
// return, without starting another.
type Handler interface {
	ServeConn(ctx context.Context, c net.Conn)
}

// HandlerFunc lets an ordinary function be a Handler.
type HandlerFunc func(ctx context.Context, c net.Conn)

// ServeConn calls f(ctx, c).
func (f HandlerFunc) ServeConn(ctx context.Context, c net.Conn) { f(ctx, c) }

// AsyncHandler is a Handler that can let a connection outlive the call
// that serves it: the Server calls ServeConnAsync instead of ServeConn,
// and the connection is over (the Server closes it) only when the handler
// calls done, exactly once. A handler uses this to keep idle connections
// without a goroutine each (see Poller). Once ctx ends, it must call done
// for its idle connections without waiting for their clients: Shutdown's
// forced close reaches only connections that something is reading or
// writing, not one parked in a Poller.
type AsyncHandler interface {
	Handler
	ServeConnAsync(ctx context.Context, c net.Conn, done func())
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("server: closed")

// Server serves connections from one or more listeners with one Handler.
// Set its fields before the first Serve; they are not changed afterwards.
type Server struct {
	// Handler serves each accepted connection. It must not be nil.
	Handler Handler
	// MaxConns caps the connections open at once (0 means DefaultMaxConns).
	MaxConns int
	// Refuse, if set, is called on its own goroutine for a connection over
	// the cap, before it is closed: checkpoint 2 answers 503 there.
	Refuse func(c net.Conn)
	// Log receives connection and error events; nil discards them.
	Log *slog.Logger
	// LogConnections logs each connection's opening and closing at Info
	// level. Checkpoint 1 does; the HTTP checkpoints log requests instead.
	LogConnections bool

	once     sync.Once
	ctx      context.Context    // cancelled when shutdown begins
	cancel   context.CancelFunc // cancels ctx
	handlers sync.WaitGroup     // one per connection goroutine (served or refused)

	mu        sync.Mutex
	listeners map[net.Listener]struct{} // guarded by mu
	conns     map[net.Conn]struct{}     // open, served connections; guarded by mu
	closing   bool                      // guarded by mu; set by Shutdown
}

func (s *Server) init() {
	s.once.Do(func() {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		s.listeners = make(map[net.Listener]struct{})
		s.conns = make(map[net.Conn]struct{})
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
		if s.MaxConns <= 0 {
			s.MaxConns = DefaultMaxConns
		}
	})
}

// Listen opens a TCP listener on host:port. An empty host means every
// interface, as the course's INADDR_ANY; port 0 lets the kernel choose, and
// the listener's Addr says which port it chose.
func Listen(host string, port int) (net.Listener, error) {
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w%s", addr, unwrapOp(err), listenHint(port, err))
	}
	return l, nil
}

// listenHint says what to do when the error alone does not: Linux keeps
// ports below 1024 for root and for programs given CAP_NET_BIND_SERVICE,
// and bind's "permission denied" names neither.
func listenHint(port int, err error) string {
	if errors.Is(err, syscall.EACCES) && port > 0 && port < 1024 {
		return " (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability:" +
			" sudo setcap cap_net_bind_service=+ep on the lisod binary; or use a port of 1024 or more)"
	}
	return ""
}

// unwrapOp drops the *net.OpError wrapper, whose text repeats the address.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Err
	}
	return err
}

// Serve accepts connections on l and serves each on a new goroutine until
// Shutdown, when it returns ErrServerClosed. It closes l on return.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	if !s.track(l) {
		l.Close()
		return ErrServerClosed
	}
	defer s.untrack(l)

	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err // closed by someone else: nothing to retry
			}
			// Accept fails for passing reasons (EMFILE when descriptors
			// run out, ECONNABORTED): wait and try again, doubling the
			// wait up to a second, instead of spinning or exiting.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.Log.Error("accept failed; retrying", "err", err, "wait", backoff)
			select {
			case <-time.After(backoff):
			case <-s.ctx.Done():
			}
			continue
		}
		backoff = 0
		switch s.admit(c) {
		case admitted:
			if s.LogConnections {
				// Logged here rather than on the connection's goroutine,
				// whose stack would grow to fit the log call and stay so.
				s.Log.Info("connection opened", "remote", c.RemoteAddr())
			}
			go s.serve(c)
		case overCap:
			go s.refuse(c)
		case shuttingDown:
			c.Close()
		}
	}
}

// serve runs the handler for one connection and cleans up after it.
func (s *Server) serve(c net.Conn) {
	if h, ok := s.Handler.(AsyncHandler); ok {
		h.ServeConnAsync(s.ctx, c, func() {
			s.closeConn(c)
			s.handlers.Done()
		})
		return
	}
	defer s.handlers.Done()
	defer s.closeConn(c)
	s.Handler.ServeConn(s.ctx, c)
}

// refuse turns away a connection over the cap.
func (s *Server) refuse(c net.Conn) {
	defer s.handlers.Done()
	defer c.Close()
	s.Log.Warn("connection refused: too many open", "remote", c.RemoteAddr(), "max", s.MaxConns)
	if s.Refuse != nil {
		c.SetDeadline(time.Now().Add(time.Second))
		s.Refuse(c)
	}
}

// admission is what happens to a newly accepted connection.
type admission int

const (
	admitted     admission = iota // served by the handler
	overCap                       // refused: MaxConns are open
	shuttingDown                  // closed at once
)

// admit records c as served, unless the cap is reached or the server is
// shutting down. It counts the goroutine that will handle c under mu, so
// that no count is added once Shutdown has started waiting.
func (s *Server) admit(c net.Conn) admission {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return shuttingDown
	case len(s.conns) >= s.MaxConns:
		s.handlers.Add(1)
		return overCap
	default:
		s.conns[c] = struct{}{}
		s.handlers.Add(1)
		return admitted
	}
}

func (s *Server) closeConn(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
	if s.LogConnections {
		s.Log.Info("connection closed", "remote", c.RemoteAddr())
	}
}

func (s *Server) track(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.listeners[l] = struct{}{}
	return true
}

func (s *Server) untrack(l net.Listener) {
	s.mu.Lock()
	delete(s.listeners, l)
	s.mu.Unlock()
	l.Close()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// OpenConns reports how many connections are being served now.
func (s *Server) OpenConns() int {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Shutdown stops the server gracefully: it closes the listeners, asks every
// handler to finish (by cancelling its context) and waits for them. When ctx
// ends first, it closes the connections still open, waits for their handlers
// to return, and reports ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.mu.Lock()
	s.closing = true
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	s.cancel()

	done := make(chan struct{})
	go func() {
		s.handlers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	n := len(s.conns)
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	<-done
	return fmt.Errorf("server: closed %d connections still open after the grace period: %w", n, ctx.Err())
}
