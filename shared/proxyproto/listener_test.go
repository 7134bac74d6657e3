package proxyproto_test

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"liso/shared/lisotest"
	"liso/shared/proxyproto"
)

// seen is what the server side of one connection saw: whether Accept
// made it a *proxyproto.Conn, its RemoteAddr once read, what it read
// after the header, and the read error other than io.EOF.
type seen struct {
	proxied bool
	remote  string
	data    string
	err     error
}

// listen serves one connection at a time on 127.0.0.1, through a
// Listener that trusts the given prefixes: it reads each to its end and
// reports what it saw.
func listen(t *testing.T, trusted ...string) (string, <-chan seen) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []netip.Prefix
	for _, p := range trusted {
		prefixes = append(prefixes, netip.MustParsePrefix(p))
	}
	l := proxyproto.NewListener(inner, prefixes)
	t.Cleanup(func() { l.Close() })
	out := make(chan seen, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return // closed at the end of the test
			}
			c.SetDeadline(time.Now().Add(lisotest.HangGuard))
			_, proxied := c.(*proxyproto.Conn)
			data, err := io.ReadAll(c)
			out <- seen{proxied: proxied, remote: c.RemoteAddr().String(), data: string(data), err: err}
			c.Close()
		}
	}()
	return inner.Addr().String(), out
}

// dialFrom connects to addr from the loopback address from (Linux
// answers on all of 127.0.0.0/8), so that a test can be a trusted proxy
// (127.0.0.1) or somebody else (127.0.0.2).
func dialFrom(t *testing.T, from, addr string) *net.TCPConn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: lisotest.HangGuard}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(lisotest.HangGuard))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// listenerTest is one connection: from where, what it sends, and what
// the server must see. remote "self" means the dialer's own address.
type listenerTest struct {
	name        string
	from        string
	send        string
	wantProxied bool
	wantRemote  string
	wantData    string
	wantErr     error
}

const request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"

var listenerTests = []listenerTest{
	{name: "trusted, version 1", from: "127.0.0.1", send: "PROXY TCP4 203.0.113.7 192.0.2.10 51234 80\r\n" + request,
		wantProxied: true, wantRemote: "203.0.113.7:51234", wantData: request},
	{name: "trusted, version 2 over IPv6", from: "127.0.0.1",
		send:        v2("21 21 0024 20010db8000000000000000000000007 20010db8000000000000000000000001 9c40 0050") + request,
		wantProxied: true, wantRemote: "[2001:db8::7]:40000", wantData: request},
	{name: "trusted, version 2 LOCAL: the proxy itself", from: "127.0.0.1", send: v2("20 00 0000") + request,
		wantProxied: true, wantRemote: "self", wantData: request},
	{name: "trusted, version 1 UNKNOWN: the proxy itself", from: "127.0.0.1", send: "PROXY UNKNOWN\r\n" + request,
		wantProxied: true, wantRemote: "self", wantData: request},
	{name: "trusted, no header", from: "127.0.0.1", send: request,
		wantProxied: true, wantRemote: "self", wantErr: proxyproto.ErrHeader},
	{name: "trusted, malformed header", from: "127.0.0.1", send: "PROXY TCP4 203.0.113.7 192.0.2.10 51234\r\n" + request,
		wantProxied: true, wantRemote: "self", wantErr: proxyproto.ErrHeader},
	{name: "trusted, the header cut short", from: "127.0.0.1", send: "PROXY TCP4 203.0.",
		wantProxied: true, wantRemote: "self", wantErr: io.ErrUnexpectedEOF},
	{name: "trusted, nothing sent", from: "127.0.0.1", send: "",
		wantProxied: true, wantRemote: "self"},
	{name: "untrusted, with a header: passed on as sent", from: "127.0.0.2", send: "PROXY TCP4 203.0.113.7 192.0.2.10 51234 80\r\n" + request,
		wantRemote: "self", wantData: "PROXY TCP4 203.0.113.7 192.0.2.10 51234 80\r\n" + request},
	{name: "untrusted, a plain request", from: "127.0.0.2", send: request, wantRemote: "self", wantData: request},
}

// TestListener sends each connection over a real socket and checks what
// the server read and whom it took the client to be.
func TestListener(t *testing.T) {
	addr, accepted := listen(t, "127.0.0.1/32")
	for _, tt := range listenerTests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialFrom(t, tt.from, addr)
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			c.CloseWrite() // the server's ReadAll ends here
			got := <-accepted
			want := tt.wantRemote
			if want == "self" {
				want = c.LocalAddr().String()
			}
			if got.proxied != tt.wantProxied || got.remote != want || got.data != tt.wantData {
				t.Errorf("server saw proxied=%v, remote %s, data %q; want %v, %s, %q", got.proxied, got.remote, got.data, tt.wantProxied, want, tt.wantData)
			}
			if !errors.Is(got.err, tt.wantErr) || (got.err != nil) != (tt.wantErr != nil) {
				t.Errorf("read error %v; want %v", got.err, tt.wantErr)
			}
		})
	}
}

// TestListenerDeadline: a trusted peer that sends nothing is not waited
// for beyond the read deadline its server set.
func TestListenerDeadline(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := proxyproto.NewListener(inner, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	defer l.Close()
	dialFrom(t, "127.0.0.1", inner.Addr().String())
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read from a silent proxy = %v; want os.ErrDeadlineExceeded", err)
	}
}

type trustTest struct {
	trusted []string
	peer    string
	want    bool
}

var trustTests = []trustTest{
	{[]string{"10.0.0.0/8"}, "10.1.2.3", true},
	{[]string{"10.0.0.0/8"}, "11.1.2.3", false},
	{[]string{"192.0.2.5/32", "2001:db8::/32"}, "2001:db8::5", true},
	{[]string{"192.0.2.5/32", "2001:db8::/32"}, "192.0.2.6", false},
	// An IPv4 client of a socket listening on [::] is ::ffff:a.b.c.d.
	{[]string{"192.0.2.0/24"}, "::ffff:192.0.2.9", true},
	// A trusted prefix written in the mapped form matches the same.
	{[]string{"::ffff:192.0.2.0/120"}, "192.0.2.9", true},
	{[]string{"::ffff:192.0.2.0/120"}, "192.0.3.9", false},
	// An IPv6 prefix does not take in IPv4 addresses.
	{[]string{"::/0"}, "192.0.2.9", false},
	{nil, "127.0.0.1", false},
}

func TestTrusts(t *testing.T) {
	for _, tt := range trustTests {
		var prefixes []netip.Prefix
		for _, p := range tt.trusted {
			prefixes = append(prefixes, netip.MustParsePrefix(p))
		}
		l := proxyproto.NewListener(nil, prefixes)
		if got := l.Trusts(&net.TCPAddr{IP: net.ParseIP(tt.peer), Port: 1}); got != tt.want {
			t.Errorf("NewListener(%v).Trusts(%s) = %v; want %v", tt.trusted, tt.peer, got, tt.want)
		}
	}
	l := proxyproto.NewListener(nil, []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")})
	if l.Trusts(&net.UnixAddr{Name: "/run/x.sock", Net: "unix"}) {
		t.Error("a Unix socket's peer is trusted; only TCP peers have an address to check")
	}
}

// acceptTrusted accepts one connection from a trusted proxy that sent a
// version 1 header, and reads the header.
func acceptTrusted(t *testing.T) (server *proxyproto.Conn, client *net.TCPConn) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := proxyproto.NewListener(inner, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	t.Cleanup(func() { l.Close() })
	client = dialFrom(t, "127.0.0.1", inner.Addr().String())
	io.WriteString(client, "PROXY TCP4 203.0.113.7 192.0.2.10 51234 80\r\nx")
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(lisotest.HangGuard))
	if n, err := c.Read(make([]byte, 1)); n != 1 || err != nil {
		t.Fatalf("first read after the header: %d, %v", n, err)
	}
	return c.(*proxyproto.Conn), client
}

// TestConnGivesTheSocket: the poller parks connections by their socket
// (syscall.Conn), so a Conn must hand out the very descriptor of the TCP
// connection inside it.
func TestConnGivesTheSocket(t *testing.T) {
	c, _ := acceptTrusted(t)
	fdOf := func(sc syscall.Conn) int {
		raw, err := sc.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		fd := -1
		raw.Control(func(d uintptr) { fd = int(d) })
		return fd
	}
	if got, want := fdOf(c), fdOf(c.Conn.(syscall.Conn)); got != want || got < 0 {
		t.Errorf("Conn's descriptor %d; want the TCP connection's, %d", got, want)
	}
}

// TestConnSendsFiles: a file copied to a Conn (sendfile(2), through
// ReadFrom) reaches the client whole.
func TestConnSendsFiles(t *testing.T) {
	c, client := acceptTrusted(t)
	want := strings.Repeat("liso ", 100000)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte(want), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	done := make(chan error, 1)
	go func() {
		_, err := c.ReadFrom(f)
		c.Close()
		done <- err
	}()
	got, err := io.ReadAll(client)
	if err != nil || string(got) != want {
		t.Errorf("client read %d bytes, %v; want the file's %d", len(got), err, len(want))
	}
	if err := <-done; err != nil {
		t.Errorf("ReadFrom = %v", err)
	}
}

// TestBadHeaderAnsweredWithoutReset: a trusted peer that sends a request
// where the header belongs gets the answer its server writes before
// closing, and then a normal end of stream: Conn took the bytes that had
// come (a socket closed with unread bytes resets the connection instead,
// and the peer may lose the answer).
func TestBadHeaderAnsweredWithoutReset(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := proxyproto.NewListener(inner, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	defer l.Close()
	client := dialFrom(t, "127.0.0.1", inner.Addr().String())
	if _, err := io.WriteString(client, "GET / HTTP/1.1\r\nX-Pad: "+strings.Repeat("p", 8000)+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(lisotest.HangGuard))
	if _, err := c.Read(make([]byte, 100)); !errors.Is(err, proxyproto.ErrHeader) {
		t.Fatalf("Read = %v; want ErrHeader", err)
	}
	io.WriteString(c, "400\n")
	c.Close()
	got, err := io.ReadAll(client)
	if string(got) != "400\n" || err != nil {
		t.Errorf("the peer read %q, %v; want the answer and a normal end", got, err)
	}
}
