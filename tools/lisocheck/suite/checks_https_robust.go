package suite

// This file holds the robustness checks of the TLS handshake: a client
// whose every byte comes in its own segment, and clients that never finish
// a handshake.

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

var tlsRobustChecks = []Check{
	{
		Name:  "robust/tls/byte-by-byte",
		Stage: StageRobust,
		Since: 3,
		Rule:  "course: never assume a request arrives in one read; a TLS record is no different (RFC 8446 5.1: records may be split across any number of segments)",
		Doc:   "docs/security.md#tls",
		Run: func(c *C) {
			raw, err := Dial(c.TLSAddr)
			if err != nil {
				c.Fatal(Failure{Sent: "a TCP connection to " + c.TLSAddr, Got: err.Error(), Want: "a connection"})
			}
			conn := tls.Client(byteWriter{raw}, c.TLSConfig())
			defer conn.Close()
			if err := conn.Handshake(); err != nil {
				c.Fatal(Failure{Sent: "a TLS handshake, one byte per write", Got: err.Error(), Want: "a handshake that succeeds"})
			}
			getOverTLS(c, conn, "the request, too, one byte per write")
		},
	},
	{
		Name:  "robust/tls/handshake-timeout",
		Stage: StageRobust,
		Since: 3,
		Rule:  "robustness: a client that stalls its handshake holds a connection only until the server's handshake timeout, and a TLS client beside it is served meanwhile (slowloris on TLS)",
		Doc:   "docs/security.md#tls",
		Run:   checkHandshakeTimeout,
	},
}

// byteWriter sends every write one byte at a time, each in its own
// segment (Go sets TCP_NODELAY), so the server reads the handshake
// piecemeal.
type byteWriter struct{ net.Conn }

func (b byteWriter) Write(p []byte) (int, error) {
	for i := range p {
		if _, err := b.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// stalls are clients that never finish a handshake. send runs on a
// goroutine of its own and returns when stop is closed or a write fails.
var stalls = []struct {
	name string
	send func(c net.Conn, hello []byte, stop <-chan struct{})
}{
	{"connect and send nothing", func(net.Conn, []byte, <-chan struct{}) {}},
	{"send half a ClientHello", func(c net.Conn, hello []byte, _ <-chan struct{}) { c.Write(hello[:len(hello)/2]) }},
	{"send the first bytes of a ClientHello record", func(c net.Conn, _ []byte, _ <-chan struct{}) {
		c.Write([]byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")) // a record of 512 bytes announced, 6 sent
	}},
	{"send a whole ClientHello, then nothing", func(c net.Conn, hello []byte, _ <-chan struct{}) { c.Write(hello) }},
	{"drip a ClientHello, a byte every 200 ms", func(c net.Conn, hello []byte, stop <-chan struct{}) {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for _, b := range hello {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
		}
	}},
}

const (
	stallsEach = 50 // clients of each kind of stall, all at once
	// stallSlack is how long after its handshake timeout a stalled client
	// may still be connected: the server's timer, and a loaded machine.
	stallSlack = 2 * time.Second
	// servedWithin bounds the exchange of the TLS client beside the
	// stalls: far less than any handshake timeout, so that a server that
	// handshakes one client at a time fails.
	servedWithin = time.Second
)

// checkHandshakeTimeout opens stallsEach clients of each kind of stall at
// once, serves a TLS client meanwhile, and waits until the server has cut
// every stalled one.
func checkHandshakeTimeout(c *C) {
	if c.HandshakeTimeout == 0 {
		c.Skip("needs the server's handshake timeout (lisocheck's --handshake-timeout)")
	}
	hello, err := clientHello(c.TLSConfig())
	if err != nil {
		c.Fatal(Errorf("recording a ClientHello: %v", err))
	}
	cutBy := c.HandshakeTimeout + stallSlack
	type result struct {
		kind string
		held time.Duration
		err  error
	}
	results := make(chan result, stallsEach*len(stalls))
	stop := make(chan struct{})
	var dialed, senders, clients sync.WaitGroup
	for _, kind := range stalls {
		for range stallsEach {
			dialed.Add(1)
			clients.Go(func() {
				conn, err := net.DialTimeout("tcp", c.TLSAddr, HangGuard)
				dialed.Done()
				if err != nil {
					results <- result{kind: kind.name, err: err}
					return
				}
				defer conn.Close()
				start := time.Now()
				conn.SetDeadline(start.Add(cutBy + time.Second))
				senders.Go(func() { kind.send(conn, hello, stop) })
				_, err = io.Copy(io.Discard, conn) // until the server hangs up
				if Closed(err) {
					err = nil
				}
				results <- result{kind: kind.name, held: time.Since(start), err: err}
			})
		}
	}
	// A TLS client beside them is served at once.
	dialed.Wait()
	c.Progress("%d stalled handshakes open", stallsEach*len(stalls))
	start := time.Now()
	if conn, err := c.DialTLS(nil); err != nil {
		c.Fail(Failure{Sent: "a TLS handshake beside the stalled ones", Got: err.Error(), Want: "a handshake that succeeds"})
	} else {
		getOverTLS(c, conn, "a TLS client beside the stalled handshakes")
		conn.Close()
		if took := time.Since(start); took > servedWithin {
			c.Fail(Failure{Sent: "a TLS handshake and a GET beside the stalled handshakes", Got: fmt.Sprintf("served after %v", took.Round(time.Millisecond)), Want: fmt.Sprintf("served within %v: stalled clients must not wait in line before it", servedWithin)})
		}
	}
	clients.Wait()
	close(stop)
	senders.Wait()
	close(results)

	longest := map[string]time.Duration{}
	failed := map[string]bool{}
	for r := range results {
		longest[r.kind] = max(longest[r.kind], r.held)
		if failed[r.kind] {
			continue // one failure a kind says it
		}
		switch {
		case r.err != nil:
			failed[r.kind] = true
			c.Fail(Failure{Sent: fmt.Sprintf("%d clients that %s", stallsEach, r.kind), Got: r.err.Error(), Want: fmt.Sprintf("each cut by the server within %v (its handshake timeout, %v, and %v)", cutBy, c.HandshakeTimeout, stallSlack)})
		case r.held > cutBy:
			failed[r.kind] = true
			c.Fail(Failure{Sent: fmt.Sprintf("%d clients that %s", stallsEach, r.kind), Got: fmt.Sprintf("one was still connected after %v", r.held.Round(time.Millisecond)), Want: fmt.Sprintf("each cut by the server within %v (its handshake timeout, %v, and %v)", cutBy, c.HandshakeTimeout, stallSlack)})
		}
	}
	for _, kind := range stalls {
		c.Logf("%d clients that %s: cut after at most %v", stallsEach, kind.name, longest[kind.name].Round(time.Millisecond))
	}
	if conn, err := c.DialTLS(nil); err != nil {
		c.Fail(Failure{Sent: "a TLS handshake after the stalled ones were cut", Got: err.Error(), Want: "a handshake that succeeds"})
	} else {
		getOverTLS(c, conn, "a TLS client after the stalled handshakes")
		conn.Close()
	}
}

// clientHello records the first record a Go client sends, its ClientHello,
// over a pipe, without a server.
func clientHello(cfg *tls.Config) ([]byte, error) {
	a, b := net.Pipe()
	defer a.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		tls.Client(b, cfg).Handshake() // fails once a closes
	}()
	defer func() { <-done }()
	defer b.Close()
	a.SetReadDeadline(time.Now().Add(HangGuard))
	// A record header (5 bytes) says how long the record is.
	head := make([]byte, 5)
	if _, err := io.ReadFull(a, head); err != nil {
		return nil, err
	}
	body := make([]byte, int(head[3])<<8|int(head[4]))
	if _, err := io.ReadFull(a, body); err != nil {
		return nil, err
	}
	return append(head, body...), nil
}
