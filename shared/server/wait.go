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
//
// A Waiter must not be copied once set up: it hands the runtime a function
// bound to its own address.
type Waiter struct {
	raw    syscall.RawConn       // nil when the connection has no file descriptor
	probe  func(fd uintptr) bool // w.ready, made on the first Wait: a method value made on every Wait would be allocated on every Wait
	probed bool                  // ready has probed the socket during this Wait
	peek   [1]byte               // target of the MSG_PEEK probe; its contents are never used
}

// NewWaiter prepares a Waiter for c. Connections that are not plain sockets
// (a TLS connection, a net.Pipe) get a Waiter whose Wait returns at once:
// their Read must then do the waiting.
func NewWaiter(c net.Conn) *Waiter {
	w := new(Waiter)
	w.Init(c)
	return w
}

// Init sets up w, in place, as NewWaiter does; it lets a Waiter live inside
// another struct instead of in an allocation of its own.
func (w *Waiter) Init(c net.Conn) {
	*w = Waiter{}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			w.raw = raw
		}
	}
}

// Wait blocks until the connection is readable: data has arrived, the peer
// closed its side, or an error is pending. It honours the connection's read
// deadline, returning its timeout error.
//
// Rarely, Wait returns with nothing to read: a readiness report from the
// kernel can reach the runtime after the bytes it announced were already
// read. The caller's next Read then simply blocks, as it would have
// without a Waiter, so callers must not take Wait's return as a promise.
func (w *Waiter) Wait() error {
	if w.raw == nil {
		return nil
	}
	if w.probe == nil {
		w.probe = w.ready
	}
	w.probed = false
	return w.raw.Read(w.probe)
}

// ready is what RawConn.Read calls: once at first, and again each time the
// runtime's poller (epoll) reports the socket readable.
func (w *Waiter) ready(fd uintptr) bool {
	if w.probed {
		// The poller woke us: data (or the peer's close) has arrived
		// since our probe found nothing. Trusting it saves a second
		// system call on every request.
		return true
	}
	w.probed = true
	// A non-blocking peek at one byte: EAGAIN means "nothing yet", and
	// returning false asks the runtime to park us until epoll reports the
	// socket readable. Anything else (data, EOF, an error) means the next
	// Read will not block, and Read will report any error.
	//
	// The probe cannot be skipped: before calling us, RawConn.Read forgets
	// readiness reports that arrived while nobody waited, so bytes that
	// came in just before would be noticed by nobody.
	for {
		_, _, err := syscall.Recvfrom(int(fd), w.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err != syscall.EINTR {
			return err != syscall.EAGAIN
		}
	}
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
