// Command ceiling is the limit tools/lisobench measures lisod against: a
// server that does the least an HTTP/1.1 server can do. It reads, finds
// the end of each request ("\r\n\r\n"), and answers every request with
// the same 1 KiB 200, one write per read however many requests that read
// brought (pipelining). It parses nothing else, opens no file and logs
// nothing, so its number is what wrk, the kernel's loopback and one Go
// goroutine per connection allow; how far lisod stays below it is what
// lisod's own work costs.
//
// Three more rows get a floor the same way, each the least its kind of
// request can cost a Go server:
//   - a connection that says "Connection: close" is closed after its
//     answer (a new connection per request: accept, answer, close);
//   - -https serves the same answers over TLS with crypto/tls's defaults
//     (session tickets included), so a handshake costs what Go's TLS
//     costs and nothing else;
//   - with -cgi, a request for a path under /cgi/ runs that script with
//     os/exec, no environment, and answers with its output behind a
//     status line and a Content-Length: a CGI host with nothing but the
//     spawn.
//
// It is no server to use: it answers "GET /secret" and garbage alike.
//
//	ceiling -http 127.0.0.1:9090 [-https 127.0.0.1:9443 -cert C -key K] [-cgi SCRIPT]
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) { // -h is no failure
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}

// BodySize is the size of every answer's body, the benchmark's small file.
const BodySize = 1024

// answer is the whole response, built once: status line, the two headers
// a keep-alive client needs, and 1 KiB of body. closeAnswer is the same
// with "Connection: close", which a client must be told before the
// connection ends, or it would send its next request into the closed one.
var answer, closeAnswer = response(""), response("Connection: close\r\n")

// response is the 1 KiB answer with the extra header lines.
func response(extra string) []byte {
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n%s\r\n", BodySize, extra)
	return append([]byte(head), bytes.Repeat([]byte{'x'}, BodySize)...)
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ceiling", flag.ContinueOnError)
	fs.SetOutput(stderr)
	httpAddr := fs.String("http", "127.0.0.1:9090", "address to listen on")
	httpsAddr := fs.String("https", "", "address to listen on for HTTPS (needs -cert and -key)")
	certFile := fs.String("cert", "", "certificate for -https (PEM)")
	keyFile := fs.String("key", "", "private key for -https (PEM)")
	script := fs.String("cgi", "", "script that answers the paths under /cgi/")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s := &ceiling{script: *script, conns: map[net.Conn]bool{}}
	l, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		return err
	}
	listeners := []net.Listener{l}
	if *httpsAddr != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			l.Close()
			return err
		}
		tl, err := tls.Listen("tcp", *httpsAddr, &tls.Config{Certificates: []tls.Certificate{cert}})
		if err != nil {
			l.Close()
			return err
		}
		listeners = append(listeners, tl)
		fmt.Fprintf(stdout, "ceiling: HTTPS listening on %s\n", tl.Addr())
	}
	fmt.Fprintf(stdout, "ceiling: HTTP listening on %s (pid %d)\n", l.Addr(), os.Getpid())

	go func() {
		<-ctx.Done()
		s.close(listeners)
	}()
	errs := make(chan error, len(listeners))
	for _, l := range listeners {
		go func() { errs <- s.accept(l) }()
	}
	var first error
	for range listeners {
		if err := <-errs; err != nil && first == nil && ctx.Err() == nil {
			first = err
			s.close(listeners) // one listener failed: stop the other too
		}
	}
	s.wg.Wait()
	return first
}

// ceiling is the running server: its connections, closed at shutdown.
type ceiling struct {
	script string // the CGI script, or ""

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool // open connections; guarded by mu
	done  bool              // guarded by mu: shutdown has begun
}

// accept serves the connections of one listener until it is closed.
func (s *ceiling) accept(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		s.mu.Lock()
		if s.done {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Go(func() {
			s.serve(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		})
	}
}

// close stops the listeners and closes every open connection.
func (s *ceiling) close(listeners []net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	for _, l := range listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
}

// closeToken is what a request that wants its connection closed carries.
// The benchmark's load generators write it in this case; a ceiling need
// not know any other.
var closeToken = []byte("\r\nConnection: close\r\n")

// cgiStart begins a request for the CGI script.
var cgiStart = []byte("GET /cgi/")

// serve answers the requests of one connection until the client closes
// it, or until one asks for the connection to be closed.
func (s *ceiling) serve(c io.ReadWriter) {
	buf := make([]byte, 16<<10)
	var out []byte
	carry := 0 // bytes of a request end ("\r\n\r\n") matched at the end of the last read
	for {
		n, err := c.Read(buf)
		var ends int
		ends, carry = countEnds(buf[:n], carry)
		if ends > 0 {
			closing := bytes.Contains(buf[:n], closeToken)
			out = out[:0]
			for range ends {
				switch {
				case s.script != "" && bytes.HasPrefix(buf[:n], cgiStart):
					out = s.appendCGI(out)
				case closing:
					out = append(out, closeAnswer...)
				default:
					out = append(out, answer...)
				}
			}
			if _, werr := c.Write(out); werr != nil || closing {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// appendCGI runs the script and appends its answer: a 200 whose header is
// the script's (it ends with the blank line), framed by a Content-Length,
// or a 502 if it failed or printed no header. The script gets the least a
// spawn can give: no environment, and one pipe, for its stdout (stdin and
// stderr are /dev/null); what it prints is read to its end, then it is
// reaped.
func (s *ceiling) appendCGI(out []byte) []byte {
	cmd := exec.Command(s.script)
	cmd.Env = []string{}
	script, err := spawn(cmd)
	end := bytes.Index(script, []byte("\r\n\r\n"))
	if err != nil || end < 0 {
		return append(out, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"...)
	}
	out = append(out, "HTTP/1.1 200 OK\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(script)-end-4), 10)
	out = append(out, "\r\n"...)
	return append(out, script...)
}

// spawn runs cmd and returns what it printed: its stdout is a pipe read
// here, with no goroutine to copy it, and it is reaped once the pipe ends.
func spawn(cmd *exec.Cmd) ([]byte, error) {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	out, rerr := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil {
		return out, err
	}
	return out, rerr
}

// requestEnd ends the head of a request; the benchmark's requests have no
// body, so it also ends the request.
const requestEnd = "\r\n\r\n"

// countEnds counts the request ends in p, given how many bytes of one the
// previous read ended with (0 to 3), and returns how many the end of p
// holds, for the next read: a request end may be split between two reads.
func countEnds(p []byte, carry int) (ends, newCarry int) {
	matched := carry
	for _, b := range p {
		switch {
		case b == requestEnd[matched]:
			matched++
		case b == '\r':
			matched = 1 // "\r\n\r\r": the last \r may start an end
		default:
			matched = 0
		}
		if matched == len(requestEnd) {
			ends++
			matched = 0
		}
	}
	return ends, matched
}
