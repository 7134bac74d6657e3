package echo

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"liso/shared/lisotest"
)

func TestWaiterWaits(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client := lisotest.Dial(t, l.Addr().String())
	conn, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w := newWaiter(conn)

	// A read deadline ends the wait with a timeout.
	conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if err := w.wait(); !errors.Is(err, syscall.ETIMEDOUT) && !isTimeout(err) {
		t.Fatalf("Wait with a deadline = %v; want a timeout", err)
	}
	conn.SetReadDeadline(time.Time{})

	// Data makes it return, and does not consume the data.
	client.Write([]byte("abc"))
	if err := w.wait(); err != nil {
		t.Fatalf("Wait with data pending = %v", err)
	}
	if err := w.wait(); err != nil {
		t.Fatalf("second Wait with data still pending = %v", err)
	}
	var got [3]byte
	if _, err := io.ReadFull(conn, got[:]); err != nil || string(got[:]) != "abc" {
		t.Fatalf("read after wait = %q, %v; want abc", got, err)
	}

	// The peer closing makes it return too: the next Read sees EOF.
	client.Close()
	if err := w.wait(); err != nil {
		t.Fatalf("Wait after the peer closed = %v", err)
	}
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("Read after the peer closed = %v; want EOF", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestWaiterWithoutSocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if err := newWaiter(a).wait(); err != nil {
		t.Fatalf("Wait on a net.Pipe = %v; want nil at once", err)
	}
}
