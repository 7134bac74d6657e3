// Command tlsload is tools/lisobench's load generator for TLS handshakes,
// a load wrk cannot choose: over HTTPS with "Connection: close", wrk
// (OpenSSL's SSL_clear keeps the last session) resumes the previous
// connection's session whenever the server allows it, and never says
// whether it did, so it can measure neither full handshakes on purpose nor
// resumed ones for sure. N workers each loop for the run's duration:
// connect, handshake (TLS 1.3), send one GET with "Connection: close",
// read the whole answer, close. With -resume every worker keeps a session
// cache, as a browser does, so all its handshakes after the first resume
// the session of a TLS 1.3 ticket; without it every handshake is a full
// one, certificate and all.
//
// The server's certificate is verified against -ca (see verifier). At the end it prints one line in the form of lisobench's wrk
// hook (requests, bytes, duration and errors by kind), plus how many of
// the requests' handshakes resumed a session, so that a "resumed" run
// that resumed nothing cannot pass for one.
//
//	tlsload -url https://127.0.0.1:9443/1k.bin -ca ca.crt -c 50 -d 10s -resume
//
// It sends traffic to loopback addresses only: it is a benchmark tool for
// this machine.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) { // -h is no failure
		fmt.Fprintln(os.Stderr, "tlsload:", err)
		os.Exit(1)
	}
}

// options are what the command line chooses.
type options struct {
	target   *url.URL
	workers  int
	duration time.Duration
	timeout  time.Duration // for one request, connection and handshake included
	resume   bool
	tls      *tls.Config
}

// maxDuration bounds a run: the load stops by itself.
const maxDuration = time.Hour

// parseFlags reads the command line and the CA.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("tlsload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "", "https:// URL on a loopback address to GET, one request per connection")
	caFile := fs.String("ca", "", "CA certificate (PEM) the server's certificate must chain to")
	o := &options{}
	fs.IntVar(&o.workers, "c", 50, "concurrent connections (workers)")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "length of the run")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "time one request may take, connection and handshake included, before it counts as a timeout")
	fs.BoolVar(&o.resume, "resume", false, "keep a TLS session cache per worker, so handshakes resume (as browsers do)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	case o.workers < 1:
		return nil, fmt.Errorf("-c must be at least 1, not %d", o.workers)
	case o.duration <= 0 || o.duration > maxDuration:
		return nil, fmt.Errorf("-d must be more than 0 and at most %v, not %v", maxDuration, o.duration)
	case o.timeout <= 0:
		return nil, fmt.Errorf("-timeout must be more than 0, not %v", o.timeout)
	case *caFile == "":
		return nil, errors.New("-ca is required: the server's certificate is verified")
	}
	u, err := url.Parse(*rawURL)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	if u.Scheme != "https" || u.Port() == "" {
		return nil, fmt.Errorf("-url %q: want https://HOST:PORT/PATH", *rawURL)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("-url %q: the host must be a loopback address such as 127.0.0.1", *rawURL)
	}
	o.target = u
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		return nil, fmt.Errorf("-ca: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("-ca: no certificate in %s", *caFile)
	}
	v := &verifier{roots: roots, host: u.Hostname()}
	o.tls = &tls.Config{
		// crypto/tls's own chain check is replaced by v's, which does the
		// same check but once per certificate; the handshake's signature,
		// which proves the server holds the certificate's key, is still
		// checked on every full handshake.
		InsecureSkipVerify: true,
		VerifyConnection:   v.verify,
		MinVersion:         tls.VersionTLS13,
		// X25519 only, the key exchange wrk (OpenSSL 3.0) and nginx use:
		// Go would offer a post-quantum hybrid first, which Go servers take
		// and nginx does not, and the servers would not do the same work.
		CurvePreferences: []tls.CurveID{tls.X25519},
	}
	return o, nil
}

// A verifier checks the server's certificate chain against the CA, as
// crypto/tls does by default, but remembers the certificate it has
// verified: on one core, checking the CA's signature again on every full
// handshake would cost the client more than the server's whole handshake,
// and tlsload would measure itself. A browser keeps such a cache too. A
// certificate that differs in a single byte is verified anew.
type verifier struct {
	roots *x509.CertPool
	host  string

	mu   sync.Mutex
	good []byte // the raw leaf certificate verified last
}

// verify is the tls.Config's VerifyConnection: it runs after every
// handshake, full or resumed, with the server's certificates.
func (v *verifier) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the server sent no certificate")
	}
	leaf := cs.PeerCertificates[0]
	v.mu.Lock()
	known := bytes.Equal(leaf.Raw, v.good)
	v.mu.Unlock()
	if known {
		return nil
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: v.roots, Intermediates: inter, DNSName: v.host}); err != nil {
		return err
	}
	v.mu.Lock()
	v.good = leaf.Raw
	v.mu.Unlock()
	return nil
}

// counts are a run's totals, added to by every worker.
type counts struct {
	requests, bytes                       atomic.Int64
	connect, read, write, timeout, status atomic.Int64
	resumed                               atomic.Int64 // requests whose handshake resumed a session

	firstOnce sync.Once
	first     error // the first error counted
}

// note keeps the first error, for the report: counts alone do not say
// what went wrong.
func (c *counts) note(err error) {
	c.firstOnce.Do(func() { c.first = err })
}

// run loads the server for the duration and prints the totals.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	// The client has one core, like the server, and its side of a
	// handshake costs about as much: collect garbage less often (a run
	// allocates little at a time, so memory stays small).
	debug.SetGCPercent(400)
	var c counts
	start := time.Now()
	end := start.Add(o.duration)
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() { work(ctx, o, end, &c) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	fmt.Fprintf(stdout, "lisobench: requests=%d bytes=%d duration_us=%d connect=%d read=%d write=%d timeout=%d status=%d resumed=%d\n",
		c.requests.Load(), c.bytes.Load(), end.Sub(start).Microseconds(), c.connect.Load(), c.read.Load(), c.write.Load(),
		c.timeout.Load(), c.status.Load(), c.resumed.Load())
	if c.first != nil {
		fmt.Fprintln(stderr, "tlsload: the first error:", c.first)
	}
	return nil
}

// work is one worker: requests one after another until the end of the
// run. Its TLS configuration has a session cache of its own with -resume,
// as one browser would; one entry is enough, for the one server.
//
// The end is a time, not a context's deadline: a context's timer can fire
// late on a busy core, and every dial in between would fail at once.
func work(ctx context.Context, o *options, end time.Time, c *counts) {
	conf := o.tls.Clone()
	if o.resume {
		conf.ClientSessionCache = tls.NewLRUClientSessionCache(1)
	}
	request := "GET " + o.target.RequestURI() + " HTTP/1.1\r\nHost: " + o.target.Host + "\r\nConnection: close\r\n\r\n"
	for ctx.Err() == nil && time.Now().Before(end) {
		oneRequest(ctx, o, end, conf, request, c)
	}
}

// oneRequest makes one connection with one request and counts what
// happened. A request the end of the run cuts short counts as nothing,
// as in wrk.
func oneRequest(ctx context.Context, o *options, end time.Time, conf *tls.Config, request string, c *counts) {
	deadline := time.Now().Add(o.timeout)
	if end.Before(deadline) {
		deadline = end
	}
	over := func() bool { return ctx.Err() != nil || !time.Now().Before(end) }
	fail := func(n *atomic.Int64, err error) {
		switch {
		case over(): // cut short by the end of the run
		case errors.Is(err, os.ErrDeadlineExceeded):
			c.timeout.Add(1)
			c.note(err)
		default:
			n.Add(1)
			c.note(err)
		}
	}
	d := net.Dialer{Deadline: deadline}
	raw, err := d.DialContext(ctx, "tcp", o.target.Host)
	if err != nil {
		fail(&c.connect, err)
		return
	}
	// Closed without TLS's close_notify: the server closes the connection
	// after its answer (Connection: close), and the alert would be one
	// more write for both sides to pay.
	defer raw.Close()
	raw.SetDeadline(deadline)
	conn := tls.Client(raw, conf)
	if err := conn.HandshakeContext(ctx); err != nil {
		fail(&c.connect, err)
		return
	}
	if _, err := io.WriteString(conn, request); err != nil {
		fail(&c.write, err)
		return
	}
	// The answer is read to its end: in TLS 1.3 the server's session
	// tickets come after the handshake, and reading takes them in.
	cr := &countingReader{r: conn}
	resp, err := http.ReadResponse(bufio.NewReader(cr), nil)
	if err != nil {
		fail(&c.read, err)
		return
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		fail(&c.read, err)
		return
	}
	if over() {
		return // complete, but after the end
	}
	if conn.ConnectionState().DidResume {
		c.resumed.Add(1)
	}
	c.requests.Add(1)
	c.bytes.Add(cr.n)
	if resp.StatusCode < 200 || resp.StatusCode > 399 {
		c.status.Add(1)
	}
}

// countingReader counts the bytes read through it: the answers' bytes,
// headers included, as wrk counts them.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
