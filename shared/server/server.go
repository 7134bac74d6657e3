// Package server accepts TCP connections: the listening socket, the accept
// loop with its back-off, the cap on open connections, and graceful
// shutdown. It is the Go counterpart of the accept half of the course's
// select() loop. Introduced in checkpoint 1.
//
// Gate is that front door, shared by every lisod server. Server puts a
// plain synchronous Handler behind it: each connection is served on its
// own goroutine, as checkpoint 1's echo is. In C one thread multiplexes
// every socket with select(); in Go the runtime does that multiplexing for
// us (a goroutine that blocks on a socket is parked, and the runtime's
// network poller, epoll on Linux, wakes it), so a connection can be served
// by straight-line code and thousands still run at once. The HTTP
// checkpoints go further and keep idle connections without a goroutine
// (package httpconn), behind the same Gate.
package server

import (
	"context"
	"log/slog"
	"net"
	"sync"
)

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

// Server serves connections from one or more listeners with one Handler,
// each on its own goroutine. Set its fields before the first Serve; they
// are not changed afterwards.
type Server struct {
	// Handler serves each accepted connection. It must not be nil.
	Handler Handler
	// MaxConns caps the connections open at once (0 means DefaultMaxConns).
	MaxConns int
	// Refuse, if set, answers a connection over the cap before it is
	// closed (see Gate.Refuse).
	Refuse func(c net.Conn)
	// Log receives connection and error events; nil discards them.
	Log *slog.Logger
	// LogConnections logs each connection's opening and closing at Info
	// level. Checkpoint 1 does; the HTTP checkpoints log requests instead.
	LogConnections bool

	once   sync.Once
	ctx    context.Context    // cancelled when shutdown begins
	cancel context.CancelFunc // cancels ctx
	gate   Gate[net.Conn]
}

func (s *Server) init() {
	s.once.Do(func() {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
		s.gate.MaxConns, s.gate.Refuse, s.gate.Log = s.MaxConns, s.Refuse, s.Log
	})
}

// Serve accepts connections on l and serves each on a new goroutine until
// Shutdown, when it returns ErrServerClosed. It closes l on return.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	return s.gate.Serve(l, func(c net.Conn) {
		if !s.gate.Admit(c, c) {
			return
		}
		if s.LogConnections {
			// Logged here rather than on the connection's goroutine,
			// whose stack would grow to fit the log call and stay so.
			s.Log.Info("connection opened", "remote", c.RemoteAddr())
		}
		go s.serve(c)
	})
}

// serve runs the handler for one connection and cleans up after it.
func (s *Server) serve(c net.Conn) {
	defer s.gate.Remove(c)
	defer c.Close()
	s.Handler.ServeConn(s.ctx, c)
	if s.LogConnections {
		s.Log.Info("connection closed", "remote", c.RemoteAddr())
	}
}

// OpenConns reports how many connections are being served now.
func (s *Server) OpenConns() int {
	s.init()
	return s.gate.Len()
}

// Shutdown stops the server gracefully: it closes the listeners, asks every
// handler to finish (by cancelling its context) and waits for them. When ctx
// ends first, it closes the connections still open, waits for their handlers
// to return, and reports ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.gate.Close()
	s.cancel()
	return s.gate.Wait(ctx, func(c net.Conn) { c.Close() })
}
