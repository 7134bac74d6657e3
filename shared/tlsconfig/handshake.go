package tlsconfig

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// Why a failed handshake needs explaining. A client that does not trust
// the server's certificate ends the handshake with an alert such as
// unknown_ca (RFC 8446, section 6.2). Go's client encrypts that alert, as
// TLS 1.3 asks once the handshake keys exist, and the server logs "remote
// error: tls: bad certificate", which is at least about certificates. But
// OpenSSL's client (curl, openssl s_client, most of the world) rejects the
// certificate before it starts encrypting, and sends its alert as a
// plaintext record. A TLS 1.3 server has switched to decrypting the
// client's records by then, so crypto/tls tries to decrypt the alert,
// fails, and reports "local error: tls: bad record MAC", which reads like
// corruption on the wire. WatchAlerts and HandshakeError say what happened.

// WatchAlerts wraps l, the TCP listener under tls.NewListener, so that
// HandshakeError can recognise a client's unencrypted alert. Each accepted
// connection remembers the last few bytes it read; it costs one small copy
// per read.
func WatchAlerts(l net.Listener) net.Listener { return alertListener{l} }

type alertListener struct{ net.Listener }

func (l alertListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &alertConn{Conn: c}, nil
}

// plainAlertLen is the size of a plaintext alert record: a 5-byte record
// header (type 21, version 3.x, length 2), then level and description.
const plainAlertLen = 7

// alertConn is a connection that remembers the tail of what it read. Only
// the goroutine that reads it touches tail and have.
type alertConn struct {
	net.Conn
	tail [plainAlertLen]byte // the last bytes read, oldest first
	have int                 // how many of tail are filled
}

func (c *alertConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.remember(p[:n])
	return n, err
}

// remember keeps the last plainAlertLen bytes of everything read.
func (c *alertConn) remember(b []byte) {
	if len(b) >= plainAlertLen {
		copy(c.tail[:], b[len(b)-plainAlertLen:])
		c.have = plainAlertLen
		return
	}
	keep := min(c.have, plainAlertLen-len(b))
	copy(c.tail[:keep], c.tail[c.have-keep:c.have])
	copy(c.tail[keep:], b)
	c.have = keep + len(b)
}

// plainAlert returns the description of the plaintext alert record the
// client sent last, if that is how its bytes ended.
func (c *alertConn) plainAlert() (tls.AlertError, bool) {
	t := c.tail
	if c.have < plainAlertLen || t[0] != 21 || t[1] != 3 || t[3] != 0 || t[4] != 2 {
		return 0, false
	}
	return tls.AlertError(t[6]), true
}

// SyscallConn hands out the socket, as the *net.TCPConn inside does, for
// code that watches a TLS connection's socket (httpconn's WatchClient).
func (c *alertConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("tlsconfig: %T is not a socket", c.Conn)
	}
	return sc.SyscallConn()
}

// certificateAlerts are the alerts by which a client rejects the server's
// certificate (RFC 8446, section 6.2), with what each means for lisod.
var certificateAlerts = map[tls.AlertError]string{
	42: "it could not verify it; most often it does not trust the CA that issued it",
	43: "it cannot use this kind of certificate",
	44: "it says the certificate was revoked",
	45: "it says the certificate has expired or is not valid yet; check both clocks",
	46: "it could not verify it; most often it does not trust the CA that issued it",
	48: "it does not trust the CA that issued it",
}

// HandshakeError explains err, the error of a server handshake on c that
// failed, for the log: a client that rejected the certificate is said to
// have done so, whether it sent its alert encrypted or not. Other errors
// come back as they are. The result wraps err. Call it on the goroutine
// that ran the handshake; c's listener must be wrapped by WatchAlerts for
// unencrypted alerts to be recognised.
func HandshakeError(c *tls.Conn, err error) error {
	var op *net.OpError
	if !errors.As(err, &op) {
		return err
	}
	switch op.Op {
	case "remote error": // an alert crypto/tls could read
		for alert, meaning := range certificateAlerts {
			if op.Err.Error() == alert.Error() {
				return fmt.Errorf("the client rejected the certificate (alert %q: %s): %w", alertName(alert), meaning, err)
			}
		}
	case "local error":
		ac, ok := c.NetConn().(*alertConn)
		if !ok || op.Err.Error() != "tls: bad record MAC" {
			return err
		}
		alert, ok := ac.plainAlert()
		if !ok {
			return err
		}
		if meaning, ok := certificateAlerts[alert]; ok {
			return fmt.Errorf("the client rejected the certificate (alert %q, sent unencrypted: %s); crypto/tls reports %w", alertName(alert), meaning, err)
		}
		return fmt.Errorf("the client ended the handshake with alert %q, sent unencrypted; crypto/tls reports %w", alertName(alert), err)
	}
	return err
}

// alertName is crypto/tls's name for an alert, such as "unknown
// certificate authority".
func alertName(a tls.AlertError) string { return strings.TrimPrefix(a.Error(), "tls: ") }
