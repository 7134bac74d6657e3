package httpconn

import (
	"crypto/tls"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// WatchClient watches the connection, while the handler works on a
// request, for the client going away, and calls gone (once, on another
// goroutine) if it does. A CGI host kills its script then: nobody is left
// to read the answer. stop ends the watch and waits for it; call it before
// the handler returns. Until then the handler must not read the request
// body: the watch and the body would read the same socket.
//
// "Gone" means the client closed its side of the connection (a FIN) or
// reset it, or the server closed the connection (at the end of a
// shutdown's grace period). Bytes waiting on the socket are not a sign of
// life by themselves: they may be a pipelined next request, but over TLS
// they may just as well be the close_notify alert a client sends before
// its FIN, so the watch then asks the kernel for the TCP state and goes on
// waiting while the connection is still established. A client that
// half-closes after sending its request (shutdown(SHUT_WR)) counts as
// gone, as it does for net/http.
//
// On a connection that is not a socket (net.Pipe in tests) there is
// nothing to watch, and gone is never called.
func (w *ResponseWriter) WatchClient(gone func()) (stop func()) {
	nc := w.nc
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn() // watch the TCP socket under TLS
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return func() {}
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return func() {}
	}
	// The deadline left by the last read of the request would end the
	// watch early; the loop sets a new one before its next read anyway.
	nc.SetReadDeadline(time.Time{})

	var stopping atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		closed := false
		// raw.Read calls the function when the socket becomes readable
		// (and once at the start); false parks the goroutine until the
		// runtime's poller reports new input, EOF or an error.
		err := raw.Read(func(fd uintptr) bool {
			if stopping.Load() {
				return true
			}
			closed = peerClosed(fd)
			return closed
		})
		// An error that stop did not cause means the connection itself
		// was closed (by a server shutting down): nobody will get the
		// answer either.
		if !stopping.Load() && (closed || err != nil) {
			gone()
		}
	}()

	var once sync.Once
	return func() {
		once.Do(func() {
			stopping.Store(true)
			nc.SetReadDeadline(time.Unix(1, 0)) // wakes the parked raw.Read
			<-done
		})
	}
}

// peerClosed reports whether the peer of the TCP socket fd has closed or
// reset the connection, looking at the next byte without taking it (the
// same non-blocking peek the poller uses to see a request pending).
func peerClosed(fd uintptr) bool {
	var b [1]byte
	for {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return false // nothing yet: wait
		case err != nil:
			return true // ECONNRESET and the like: nobody is there
		case n == 0:
			return true // EOF: the client closed its side
		default:
			return !established(fd)
		}
	}
}

// tcpEstablished is TCP_ESTABLISHED in Linux's enum of TCP states; a
// server socket whose peer sent its FIN is in CLOSE_WAIT instead.
const tcpEstablished = 1

// established reports whether the TCP connection fd is still in the
// ESTABLISHED state. It reads the first byte of struct tcp_info
// (tcpi_state) through TCP_INFO; the kernel copies only as many bytes as
// asked for. If the state cannot be read, the client is assumed present.
func established(fd uintptr) bool {
	v, err := syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_INFO)
	if err != nil {
		return true
	}
	var info [4]byte
	binary.NativeEndian.PutUint32(info[:], uint32(v))
	return info[0] == tcpEstablished
}
