package echo

import (
	"net"
	"syscall"
)

// waiter waits until a connection has bytes to read, without a read buffer.
//
// A goroutine blocked in Read needs a buffer to read into, so an idle
// connection that waits in Read holds that buffer for as long as the client
// stays quiet. Waiting first and taking a buffer (from a sync.Pool) only
// once data is there keeps an idle connection down to its goroutine. This is
// the same readiness wait that select() gave the course's C server.
//
// A waiter must not be copied once set up: it hands the runtime a function
// bound to its own address.
type waiter struct {
	raw    syscall.RawConn       // nil when the connection has no file descriptor
	probe  func(fd uintptr) bool // w.ready, made on the first wait: a method value made on every wait would be allocated on every wait
	probed bool                  // ready has probed the socket during this wait
	peek   [1]byte               // target of the MSG_PEEK probe; its contents are never used
}

// newWaiter prepares a waiter for c. Connections that are not plain
// sockets (a net.Pipe in tests) get a waiter whose wait returns at once:
// their Read must then do the waiting.
func newWaiter(c net.Conn) *waiter {
	w := new(waiter)
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			w.raw = raw
		}
	}
	return w
}

// wait blocks until the connection is readable: data has arrived, the peer
// closed its side, or an error is pending. It honours the connection's read
// deadline, returning its timeout error.
//
// Rarely, wait returns with nothing to read: a readiness report from the
// kernel can reach the runtime after the bytes it announced were already
// read. The caller's next Read then simply blocks, as it would have
// without a waiter, so callers must not take its return as a promise.
func (w *waiter) wait() error {
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
func (w *waiter) ready(fd uintptr) bool {
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
