package server

import (
	"net"
	"syscall"
)

// Waiter waits until a connection has bytes to read, without a read buffer.
//
// A goroutine blocked in Read needs a buffer to read into, so an idle
// connection that waits in Read holds that buffer for as long as the client
// stays quiet. Waiting first and taking a buffer (from a sync.Pool) only
// once data is there keeps an idle connection down to its goroutine. This is
// the same readiness wait that select() gave the course's C server.
type Waiter struct {
	raw  syscall.RawConn // nil when the connection has no file descriptor
	peek [1]byte         // target of the MSG_PEEK probe; its contents are never used
}

// NewWaiter prepares a Waiter for c. Connections that are not plain sockets
// (a TLS connection, a net.Pipe) get a Waiter whose Wait returns at once:
// their Read must then do the waiting.
func NewWaiter(c net.Conn) *Waiter {
	w := new(Waiter)
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			w.raw = raw
		}
	}
	return w
}

// Wait blocks until the connection is readable: data has arrived, the peer
// closed its side, or an error is pending. It honours the connection's read
// deadline, returning its timeout error.
func (w *Waiter) Wait() error {
	if w.raw == nil {
		return nil
	}
	return w.raw.Read(func(fd uintptr) bool {
		// A non-blocking peek at one byte: EAGAIN means "nothing yet", and
		// returning false asks the runtime to park us until epoll reports
		// the socket readable. Anything else (data, EOF, an error) means
		// the next Read will not block, and Read will report any error.
		for {
			_, _, err := syscall.Recvfrom(int(fd), w.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			if err != syscall.EINTR {
				return err != syscall.EAGAIN
			}
		}
	})
}

// Waits reports whether Wait really waits; when it does not, the caller's
// Read does the waiting (and needs its buffer for that).
func (w *Waiter) Waits() bool { return w.raw != nil }

// Pending reports, without waiting and whatever the read deadline, whether
// bytes (or the peer's close) are waiting to be read. A server shutting
// down uses it to serve a request that arrived just as it woke its idle
// connections.
func (w *Waiter) Pending() bool {
	if w.raw == nil {
		return false
	}
	pending := false
	w.raw.Control(func(fd uintptr) {
		_, _, err := syscall.Recvfrom(int(fd), w.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		pending = err != syscall.EAGAIN
	})
	return pending
}
