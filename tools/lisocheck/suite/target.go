package suite

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"time"
)

// Target is the server under check.
type Target struct {
	Checkpoint int    // 1, 2 or 3: what the server claims to be
	Addr       string // host:port of the echo (checkpoint 1) or HTTP port
	TLSAddr    string // host:port of the HTTPS port (checkpoint 3)
	Roots      *x509.CertPool
	Site       *Site // what the server serves; lisocheck wrote it
	// Strict adds the RFC checks the course does not ask for.
	Strict bool
	// HeaderTimeout is at least the server's own limit for reading a
	// request's head: the 408 check waits this long, plus a margin.
	HeaderTimeout time.Duration
	// BodyTimeout is at least the server's limit on the wait for more of
	// a request body (the slow POST check).
	BodyTimeout time.Duration
	// HandshakeTimeout is at least the server's limit on a TLS handshake.
	HandshakeTimeout time.Duration
	// MemoryLimit, when not 0, bounds how many bytes the server's
	// resident memory may grow during one slow-client check's attack.
	// It needs Server (the figure is read from /proc); with 0 the growth
	// is only logged.
	MemoryLimit int64
	// Command starts more servers like this one, for the checks that
	// need to (nil when the server was given by address).
	Command *Command
	// Server is the process lisocheck started (nil when given by address).
	Server *Server
}

// HangGuard bounds every network wait of a check, so that a server that
// stops answering fails the check instead of hanging it.
const HangGuard = 20 * time.Second

// Dial opens a TCP connection to addr whose every read and write must end
// within HangGuard. The caller closes it.
func Dial(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, HangGuard)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(HangGuard))
	return c, nil
}

// TLSConfig is a client configuration that trusts only the target's CA,
// for a server named "localhost" (the course's graders connect to
// https://localhost:PORT).
func (t *Target) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: t.Roots, ServerName: "localhost"}
}

// DialTLS opens a TLS connection to the HTTPS port with cfg (nil: the
// target's own), handshake included, bounded by HangGuard.
func (t *Target) DialTLS(cfg *tls.Config) (*tls.Conn, error) {
	if cfg == nil {
		cfg = t.TLSConfig()
	}
	d := &net.Dialer{Timeout: HangGuard, Deadline: time.Now().Add(HangGuard)}
	c, err := tls.DialWithDialer(d, "tcp", t.TLSAddr, cfg)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(HangGuard))
	return c, nil
}
