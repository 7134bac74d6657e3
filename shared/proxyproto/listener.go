package proxyproto

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
)

// Listener is a net.Listener that expects a PROXY header on every
// connection from a trusted address, and on no other. Accept reads
// nothing: a connection from a trusted address comes back as a *Conn,
// which reads its header when it is first read; any other comes back as
// the inner listener accepted it, at no cost.
type Listener struct {
	net.Listener
	trusted []netip.Prefix // immutable
}

// NewListener wraps l. trusted are the proxies' addresses; an IPv4
// address reaching an IPv6 socket (::ffff:192.0.2.1) is matched as the
// IPv4 address it is, and so is a trusted prefix written that way.
func NewListener(l net.Listener, trusted []netip.Prefix) *Listener {
	norm := make([]netip.Prefix, 0, len(trusted))
	for _, p := range trusted {
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		norm = append(norm, p.Masked())
	}
	return &Listener{Listener: l, trusted: norm}
}

// Accept waits for the next connection and returns it, as a *Conn when
// it comes from a trusted proxy.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if !l.Trusts(c.RemoteAddr()) {
		return c, nil
	}
	return &Conn{Conn: c}, nil
}

// Trusts reports whether a is the address of a trusted proxy.
func (l *Listener) Trusts(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return false
	}
	ip := ta.AddrPort().Addr().Unmap()
	for _, p := range l.trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Conn is a connection from a trusted proxy. Its first Read reads the
// PROXY header, under whatever read deadline the caller set (lisod's
// header timeout on the HTTP port, its handshake timeout under TLS), and
// fails when the header is missing or malformed, with an error that
// wraps ErrHeader; every later Read fails the same way. Once the header
// named a client, RemoteAddr is that client.
type Conn struct {
	net.Conn

	// Only the goroutine that reads touches headerRead and err.
	headerRead bool
	err        error // why the header could not be read

	client atomic.Pointer[net.TCPAddr] // the header's client; nil until then, or when it named none
}

// Read reads the header first, the first time, then the client's bytes.
func (c *Conn) Read(p []byte) (int, error) {
	if !c.headerRead {
		c.headerRead = true
		c.err = c.readHeader()
	}
	if c.err != nil {
		return 0, c.err
	}
	return c.Conn.Read(p)
}

// readHeader reads the header and keeps the client it names.
func (c *Conn) readHeader() error {
	h, err := c.header()
	if errors.Is(err, ErrHeader) {
		c.discardArrived()
	}
	if err != nil {
		return err
	}
	if h.Source.IsValid() {
		c.client.Store(net.TCPAddrFromAddrPort(h.Source))
	}
	return nil
}

// header reads the header with one peek and one read when the
// connection is a socket and the header came whole, and otherwise a byte
// at a time.
func (c *Conn) header() (Header, error) {
	if raw, err := c.SyscallConn(); err == nil {
		if h, complete, err := peekHeader(raw, c.Conn); complete {
			return h, err
		}
	}
	return Read(c.Conn)
}

// maxDiscard bounds what discardArrived takes: a request head, even a
// large one, and whatever else came with it.
const maxDiscard = 64 << 10

// discardArrived reads and drops what the peer has sent so far, without
// waiting for more. The connection is about to be answered 400 and
// closed, and a socket closed with bytes still unread sends a reset
// instead of a normal close: the peer's system may then throw the answer
// away before the peer reads it.
func (c *Conn) discardArrived() {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	var buf [4096]byte
	raw.Control(func(fd uintptr) {
		for taken := 0; taken < maxDiscard; {
			n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_DONTWAIT)
			if err == syscall.EINTR {
				continue
			}
			if err != nil || n <= 0 {
				return
			}
			taken += n
		}
	})
}

// RemoteAddr is the client the header named; before the header is read,
// or when it named none (a health check), the proxy's own address.
func (c *Conn) RemoteAddr() net.Addr {
	if a := c.client.Load(); a != nil {
		return a
	}
	return c.Conn.RemoteAddr()
}

// SyscallConn hands out the socket, as the *net.TCPConn inside does: the
// HTTP server parks an idle connection in epoll by its descriptor, and
// watches it for a client that leaves. That is sound because the header
// was read from the socket exactly, leaving nothing in a buffer above it.
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("proxyproto: %T is not a socket", c.Conn)
	}
	return sc.SyscallConn()
}

// ReadFrom writes what r holds to the connection, by sendfile(2) when r
// is a file, as the *net.TCPConn inside does: without it, a large file
// behind a proxy would be copied through user space.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c.Conn}, r)
}

// writerOnly hides every method of a Writer but Write, so that io.Copy
// does not call ReadFrom back.
type writerOnly struct{ io.Writer }
