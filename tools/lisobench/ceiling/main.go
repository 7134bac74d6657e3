// Command ceiling is the limit tools/lisobench measures lisod against in
// its keep-alive rows: a server that does the least an HTTP/1.1 server can
// do. It reads, finds the end of each request ("\r\n\r\n"), and answers
// every request with the same 1 KiB 200, one write per read however many
// requests that read brought (pipelining). It parses nothing else, opens
// no file and logs nothing, so its number is what wrk, the kernel's
// loopback and one Go goroutine per connection allow; how far lisod stays
// below it is what lisod's own work costs.
//
// It is no server to use: it answers "GET /secret" and garbage alike.
//
//	ceiling -http 127.0.0.1:9090
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
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
// a keep-alive client needs, and 1 KiB of body.
var answer = func() []byte {
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", BodySize)
	return append([]byte(head), bytes.Repeat([]byte{'x'}, BodySize)...)
}()

// run serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ceiling", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("http", "127.0.0.1:9090", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ceiling: HTTP listening on %s (pid %d)\n", l.Addr(), os.Getpid())

	var (
		mu    sync.Mutex
		conns = map[net.Conn]bool{} // open connections, closed at shutdown
		wg    sync.WaitGroup
	)
	go func() {
		<-ctx.Done()
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for c := range conns {
			c.Close()
		}
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		mu.Lock()
		conns[c] = true
		mu.Unlock()
		wg.Go(func() {
			serve(c)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
		})
	}
}

// serve answers the requests of one connection until the client closes it.
func serve(c io.ReadWriter) {
	buf := make([]byte, 16<<10)
	var out []byte
	carry := 0 // bytes of a request end ("\r\n\r\n") matched at the end of the last read
	for {
		n, err := c.Read(buf)
		var ends int
		ends, carry = countEnds(buf[:n], carry)
		if ends > 0 {
			out = out[:0]
			for range ends {
				out = append(out, answer...)
			}
			if _, werr := c.Write(out); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
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
