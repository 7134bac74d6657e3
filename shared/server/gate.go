package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// DefaultMaxConns is the connection cap when a Gate's MaxConns is zero. The
// course's select() could watch at most 1024 descriptors (FD_SETSIZE); a
// Go server has no such limit, so the cap is a policy.
const DefaultMaxConns = 10000

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("server: closed")

// Gate is the front door every lisod server shares: it accepts connections
// from its listeners, retrying with back-off when accept fails, admits them
// up to a cap, and keeps the registry of the connections it admitted until
// they are done. What happens to an admitted connection is the server's
// business: echo's Server gives it a goroutine (below), HTTP's server
// (package httpconn) may park it without one.
//
// C is what the server registers for a connection: the net.Conn itself, or
// the server's own per-connection state. The Gate's lock is taken alone:
// no method calls out while holding it.
type Gate[C comparable] struct {
	// MaxConns caps the connections open at once (0 means DefaultMaxConns).
	MaxConns int
	// Refuse, if set, is called on its own goroutine for a connection over
	// the cap, with a one-second deadline, before it is closed: the HTTP
	// server answers 503 there.
	Refuse func(c net.Conn)
	// Log receives accept errors and refusals; nil discards them.
	Log *slog.Logger

	once   sync.Once
	closed chan struct{}  // closed by Close: ends a back-off wait
	active sync.WaitGroup // one per registered connection and per refusal in progress

	mu        sync.Mutex
	listeners map[net.Listener]struct{} // guarded by mu
	open      map[C]struct{}            // admitted and not yet removed; guarded by mu
	closing   bool                      // guarded by mu; set by Close
}

func (g *Gate[C]) init() {
	g.once.Do(func() {
		g.closed = make(chan struct{})
		g.listeners = make(map[net.Listener]struct{})
		g.open = make(map[C]struct{})
		if g.Log == nil {
			g.Log = slog.New(slog.DiscardHandler)
		}
		if g.MaxConns <= 0 {
			g.MaxConns = DefaultMaxConns
		}
	})
}

// Serve accepts connections on l and passes each to handle, on Serve's
// goroutine (handle must hand the connection on, not serve it), until Close:
// then it returns ErrServerClosed. It closes l on return.
func (g *Gate[C]) Serve(l net.Listener, handle func(net.Conn)) error {
	g.init()
	if !g.addListener(l) {
		l.Close()
		return ErrServerClosed
	}
	defer g.removeListener(l)

	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err == nil {
			backoff = 0
			handle(c)
			continue
		}
		if g.isClosing() {
			return ErrServerClosed
		}
		if errors.Is(err, net.ErrClosed) {
			return err // closed by someone else: nothing to retry
		}
		// Accept fails for passing reasons (EMFILE when descriptors run
		// out, ECONNABORTED): wait and try again, doubling the wait up to
		// a second, instead of spinning or exiting.
		backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
		g.Log.Error("accept failed; retrying", "err", err, "wait", backoff)
		select {
		case <-time.After(backoff):
		case <-g.closed:
		}
	}
}

// admission is what happens to a newly accepted connection.
type admission int

const (
	admitted     admission = iota // registered: the server serves it
	overCap                       // refused: MaxConns are open
	shuttingDown                  // closed at once
)

// Admit registers c, the connection nc, and reports true, unless the cap is
// reached (nc is then refused, on a goroutine of its own) or the Gate is
// closed (nc is closed at once). An admitted connection stays registered
// until Remove.
func (g *Gate[C]) Admit(c C, nc net.Conn) bool {
	switch g.admit(c) {
	case admitted:
		return true
	case overCap:
		go g.refuse(nc)
	case shuttingDown:
		nc.Close()
	}
	return false
}

// admit makes the admission decision under one lock. It counts the
// connection (or the refusal) before it lets go of the lock, so that no
// count is added once Wait has seen the Gate closed.
func (g *Gate[C]) admit(c C) admission {
	g.init()
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.closing:
		return shuttingDown
	case len(g.open) >= g.MaxConns:
		g.active.Add(1)
		return overCap
	default:
		g.open[c] = struct{}{}
		g.active.Add(1)
		return admitted
	}
}

// refuse turns away a connection over the cap.
func (g *Gate[C]) refuse(c net.Conn) {
	defer g.active.Done()
	defer c.Close()
	g.Log.Warn("connection refused: too many open", "remote", c.RemoteAddr(), "max", g.MaxConns)
	if g.Refuse != nil {
		c.SetDeadline(time.Now().Add(time.Second))
		g.Refuse(c)
	}
}

// Remove forgets an admitted connection: it is over. The caller closes it.
func (g *Gate[C]) Remove(c C) {
	g.mu.Lock()
	delete(g.open, c)
	g.mu.Unlock()
	g.active.Done()
}

// Len reports how many admitted connections are open now.
func (g *Gate[C]) Len() int {
	g.init()
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.open)
}

// Close begins a shutdown: it closes the listeners, so that every Serve
// returns, and admits no connection from now on. It returns the
// connections open at that moment, for the server to tell them.
func (g *Gate[C]) Close() []C {
	g.init()
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closing {
		g.closing = true
		close(g.closed)
	}
	for l := range g.listeners {
		l.Close()
	}
	return g.snapshot()
}

// snapshot lists the open connections. The caller holds mu.
func (g *Gate[C]) snapshot() []C {
	open := make([]C, 0, len(g.open))
	for c := range g.open {
		open = append(open, c)
	}
	return open
}

// Wait waits, after Close, until every admitted connection is removed and
// every refusal is over. When ctx ends first, it calls kill for each
// connection still open (to close it, which ends whatever serves it),
// waits again, and reports how many it killed with ctx's error.
func (g *Gate[C]) Wait(ctx context.Context, kill func(C)) error {
	g.init()
	done := make(chan struct{})
	go func() {
		g.active.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	open := g.snapshot()
	g.mu.Unlock()
	for _, c := range open {
		kill(c)
	}
	<-done
	return fmt.Errorf("server: closed %d connections still open after the grace period: %w", len(open), ctx.Err())
}

func (g *Gate[C]) addListener(l net.Listener) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing {
		return false
	}
	g.listeners[l] = struct{}{}
	return true
}

func (g *Gate[C]) removeListener(l net.Listener) {
	g.mu.Lock()
	delete(g.listeners, l)
	g.mu.Unlock()
	l.Close()
}

func (g *Gate[C]) isClosing() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closing
}
