package suite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// echoChecks are checkpoint 1's: every byte a client sends comes back to
// it, exactly and in order, whatever the other clients do. They run
// against any echo server on the HTTP port.
var echoChecks = append([]Check{
	{
		Name:  "echo/exact-bytes",
		Stage: StageEcho,
		Rule:  "course: every byte a client sends comes back to it, in order and unchanged (binary safe), however the writes are sized",
		Doc:   "docs/checkpoint1.md#checkpoint-1-a-concurrent-echo-server",
		Run: func(c *C) {
			for _, tt := range echoMessages {
				conn, err := Dial(c.Addr)
				if err != nil {
					c.Fatal(Failure{Sent: "a connection", Got: err.Error(), Want: "the server accepts it"})
				}
				if err := echoRoundTrip(conn, tt.data); err != nil {
					c.Fail(Failure{Sent: fmt.Sprintf("%s (%d bytes) on a new connection", tt.name, len(tt.data)), Got: err.Error(), Want: "the same bytes back"})
				}
				conn.Close()
			}
		},
	},
	{
		Name:  "echo/half-close",
		Stage: StageEcho,
		Rule:  "course: a client that shuts down its sending side (shutdown(SHUT_WR), nc -N) still gets back every byte it sent; then the server closes the connection",
		Doc:   "docs/checkpoint1.md#try-it-by-hand",
		Run:   checkHalfClose,
	},
	{
		Name:  "echo/course-stress",
		Stage: StageEcho,
		Rule:  fmt.Sprintf("course: the grader's checker: %d sockets open at once, random binary writes of up to 32 KiB interleaved across them; each socket's bytes come back exactly, in order", stressSockets),
		Doc:   "docs/checkpoint1.md#the-tests-that-prove-it",
		Run:   checkCourseStress,
	},
}, misbehaviourChecks()...)

// echoMessages are what echo/exact-bytes sends, each in one write on a
// connection of its own.
var echoMessages = []struct {
	name string
	data []byte
}{
	{"one byte", []byte{'x'}},
	{"a line", []byte("hello, liso\r\n")},
	{"every byte value", func() []byte {
		p := make([]byte, 256)
		for i := range p {
			p[i] = byte(i)
		}
		return p
	}()},
	{"NUL bytes", make([]byte, 1000)},
	// One more than the course grader's largest write (and lisod's read
	// buffer): a server must loop on its reads and writes.
	{"32 KiB and one byte", randomBytes(1, 32<<10+1)},
	{"one write of 8 MiB", randomBytes(2, 8<<20)},
}

// checkHalfClose sends 3 MiB, shuts down the sending side, and reads
// until the server closes its side.
func checkHalfClose(c *C) {
	conn, err := Dial(c.Addr)
	if err != nil {
		c.Fatal(Failure{Sent: "a connection", Got: err.Error(), Want: "the server accepts it"})
	}
	defer conn.Close()
	sent := randomBytes(3, 3<<20)
	sentAll := make(chan error, 1)
	go func() {
		_, err := conn.Write(sent)
		if err == nil {
			err = conn.(*net.TCPConn).CloseWrite()
		}
		sentAll <- err
	}()
	got, err := io.ReadAll(conn) // ends only when the server closes its side
	what := "3 MiB in one write, then shutdown(SHUT_WR)"
	switch {
	case err != nil:
		c.Fail(Failure{Sent: what, Got: fmt.Sprintf("%d bytes back, then %v", len(got), err), Want: "every byte back, then the server closes the connection"})
	case !bytes.Equal(got, sent):
		c.Fail(Failure{Sent: what, Got: fmt.Sprintf("%d bytes back, the first difference at byte %d", len(got), firstDiff(got, sent)), Want: fmt.Sprintf("the %d bytes sent, then the end of the stream", len(sent))})
	}
	if err := <-sentAll; err != nil {
		c.Fail(Failure{Sent: what, Got: "sending failed: " + err.Error(), Want: "the server reads everything"})
	}
}

// echoRoundTrip writes p and reads back len(p) bytes, at the same time
// (the server may echo before the write ends), and says how they differ.
func echoRoundTrip(conn net.Conn, p []byte) error {
	conn.SetDeadline(time.Now().Add(HangGuard))
	wrote := make(chan error, 1)
	go func() {
		_, err := conn.Write(p)
		wrote <- err
	}()
	got := make([]byte, len(p))
	n, err := readEcho(conn, got)
	if err != nil {
		conn.Close() // ends the write, if it is stuck
		<-wrote
		return fmt.Errorf("%d of %d bytes came back, then %w", n, len(p), err)
	}
	if err := <-wrote; err != nil {
		return fmt.Errorf("writing %d bytes: %w", len(p), err)
	}
	if i := firstDiff(got, p); i < len(p) {
		j := min(i+16, len(p))
		return fmt.Errorf("the echo of %d bytes differs from byte %d on: got %q, want %q", len(p), i, got[i:j], p[i:j])
	}
	return nil
}

// firstDiff is the first index where a and b differ, or len(a).
func firstDiff(a, b []byte) int {
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

// echoIdle is how long an echo may pause: bytes that stop coming for this
// long are lost, and the check says so sooner than HangGuard would.
const echoIdle = 5 * time.Second

// readEcho fills p from conn, as io.ReadFull does, failing when no byte
// comes for echoIdle or the whole takes longer than HangGuard.
func readEcho(conn net.Conn, p []byte) (int, error) {
	deadline := time.Now().Add(HangGuard)
	n := 0
	for n < len(p) {
		wait := time.Now().Add(echoIdle)
		if wait.After(deadline) {
			wait = deadline
		}
		conn.SetReadDeadline(wait)
		m, err := conn.Read(p[n:])
		n += m
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded) && time.Now().Before(deadline):
			return n, fmt.Errorf("nothing more for %v", echoIdle)
		case errors.Is(err, os.ErrDeadlineExceeded):
			return n, fmt.Errorf("the echo took longer than %v", HangGuard)
		case err != nil:
			return n, err
		}
	}
	return n, nil
}
