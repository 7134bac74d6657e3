// Package echo is checkpoint 1's protocol: every byte a client sends comes
// back to it, in order and unchanged.
//
// Each connection runs Handler.ServeConn on its own goroutine (see package
// server). The loop waits until the client has sent something (see
// waiter), borrows a buffer from a pool, reads what has arrived, writes it back, and returns
// the buffer. Memory per connection is therefore bounded by one buffer, and
// only while data is moving: a client that sends but never reads blocks its
// own goroutine in Write once TCP's window fills (back-pressure), and the
// others are not affected. Introduced in checkpoint 1.
package echo

import (
	"context"
	"net"
	"sync"
	"time"
)

// BufferSize is the most one read takes in: large enough for few system
// calls per megabyte, small enough that ten thousand busy clients fit in
// memory (10,000 x 32 KiB = 320 MiB).
const BufferSize = 32 << 10

// buffers holds idle read buffers; a pointer to an array avoids the
// allocation that putting a slice into a sync.Pool costs.
var buffers = sync.Pool{New: func() any { return new([BufferSize]byte) }}

// Handler echoes each connection's bytes back to it.
type Handler struct{}

// ServeConn echoes until the client closes its side, an error occurs, or
// the server shuts down. A client that half-closes (shutdown(SHUT_WR))
// still receives everything it sent: each read is written back before the
// next read can see the end of the stream.
func (Handler) ServeConn(ctx context.Context, c net.Conn) {
	// On shutdown, make the pending wait or read return at once; whatever
	// was already read is still written back before the loop ends.
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Now()) })
	defer stop()

	w := newWaiter(c)
	for {
		if err := w.wait(); err != nil {
			return
		}
		if !echoOnce(c) {
			return
		}
	}
}

// echoOnce reads what has arrived and writes it back, reporting whether
// the connection is still usable.
func echoOnce(c net.Conn) bool {
	buf := buffers.Get().(*[BufferSize]byte)
	defer buffers.Put(buf)
	n, err := c.Read(buf[:])
	if n > 0 {
		if _, werr := c.Write(buf[:n]); werr != nil {
			return false
		}
	}
	return err == nil
}
