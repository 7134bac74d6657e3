package proxyproto

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestPeekLeavesASplitHeader: when the first bytes to arrive hold only
// part of a header, peekHeader takes nothing and says so, and Read then
// reads the whole header once the rest arrives. On loopback one small
// write arrives as one segment, so the peek sees exactly the first part.
func TestPeekLeavesASplitHeader(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	server.SetDeadline(time.Now().Add(20 * time.Second))

	const first, second = "PROXY TCP4 203.0.113.7 ", "192.0.2.10 51234 80\r\nGET"
	io.WriteString(client, first)
	raw, err := server.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	if _, complete, err := peekHeader(raw, server); complete || err != nil {
		t.Fatalf("peekHeader on %q = complete %v, %v; want incomplete, no error", first, complete, err)
	}
	io.WriteString(client, second)
	h, err := Read(server)
	if err != nil || h.Source.String() != "203.0.113.7:51234" {
		t.Fatalf("Read after the split = %+v, %v; want the client 203.0.113.7:51234", h, err)
	}
	rest := make([]byte, 3)
	if _, err := io.ReadFull(server, rest); err != nil || string(rest) != "GET" {
		t.Errorf("after the header the socket holds %q, %v; want GET", rest, err)
	}
}
