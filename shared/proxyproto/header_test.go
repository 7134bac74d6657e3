package proxyproto_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"liso/shared/proxyproto"
)

// parseTest is one header and what it says, or a substring of the error.
type parseTest struct {
	name string
	in   string
	want proxyproto.Header
	err  string
}

// v2 turns the hex of a version 2 header after its signature (spaces for
// reading) into the header's bytes.
func v2(hexAfterSignature string) string {
	b, err := hex.DecodeString(strings.ReplaceAll(hexAfterSignature, " ", ""))
	if err != nil {
		panic(err)
	}
	return "\r\n\r\n\x00\r\nQUIT\n" + string(b)
}

func addr(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// The headers below are written by hand from the spec's grammar and byte
// layout (proxy-protocol.txt, sections 2.1 and 2.2), not by an encoder.
var parseTests = []parseTest{
	// Version 1.
	{name: "v1 TCP4", in: "PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\r\n",
		want: proxyproto.Header{Version: 1, Source: addr("203.0.113.7:51234"), Destination: addr("192.0.2.10:443")}},
	{name: "v1 TCP6", in: "PROXY TCP6 2001:db8::7 2001:db8::1 40000 80\r\n",
		want: proxyproto.Header{Version: 1, Source: addr("[2001:db8::7]:40000"), Destination: addr("[2001:db8::1]:80")}},
	{name: "v1 TCP6, IPv4-mapped", in: "PROXY TCP6 ::ffff:203.0.113.7 ::1 1 2\r\n",
		want: proxyproto.Header{Version: 1, Source: addr("[::ffff:203.0.113.7]:1"), Destination: addr("[::1]:2")}},
	{name: "v1 ports 0 and 65535", in: "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n",
		want: proxyproto.Header{Version: 1, Source: addr("0.0.0.0:0"), Destination: addr("255.255.255.255:65535")}},
	{name: "v1 longest TCP6 line", in: "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
		want: proxyproto.Header{Version: 1, Source: addr("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"), Destination: addr("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535")}},
	{name: "v1 UNKNOWN", in: "PROXY UNKNOWN\r\n", want: proxyproto.Header{Version: 1}},
	{name: "v1 UNKNOWN, the longest line (107 bytes), rest ignored", in: "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
		want: proxyproto.Header{Version: 1}},
	{name: "v1 bare LF", in: "PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\n", err: "bare LF"},
	{name: "v1 108 bytes", in: "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655355\r\n", err: "longer than 107"},
	{name: "v1 lower case", in: "proxy TCP4 203.0.113.7 192.0.2.10 51234 443\r\n", err: "does not start with one"},
	{name: "v1 unknown protocol", in: "PROXY UDP4 203.0.113.7 192.0.2.10 51234 443\r\n", err: `protocol "UDP4"`},
	{name: "v1 no protocol", in: "PROXY \r\n", err: `protocol ""`},
	{name: "v1 UNKNOWN glued", in: "PROXY UNKNOWNX\r\n", err: `protocol "UNKNOWNX"`},
	{name: "v1 two spaces", in: "PROXY TCP4 203.0.113.7  192.0.2.10 51234 443\r\n", err: "5 fields"},
	{name: "v1 a field missing", in: "PROXY TCP4 203.0.113.7 192.0.2.10 51234\r\n", err: "3 fields"},
	{name: "v1 a field more", in: "PROXY TCP4 203.0.113.7 192.0.2.10 51234 443 80\r\n", err: "5 fields"},
	{name: "v1 IPv6 in TCP4", in: "PROXY TCP4 2001:db8::7 192.0.2.10 51234 443\r\n", err: "not an address of TCP4"},
	{name: "v1 IPv4 in TCP6", in: "PROXY TCP6 2001:db8::7 192.0.2.10 51234 443\r\n", err: "not an address of TCP6"},
	{name: "v1 zone", in: "PROXY TCP6 fe80::1%eth0 2001:db8::1 51234 443\r\n", err: "not an address of TCP6"},
	{name: "v1 leading zero in an address", in: "PROXY TCP4 203.0.113.07 192.0.2.10 51234 443\r\n", err: "not an address"},
	{name: "v1 a name, not an address", in: "PROXY TCP4 localhost 192.0.2.10 51234 443\r\n", err: "not an address"},
	{name: "v1 port too large", in: "PROXY TCP4 203.0.113.7 192.0.2.10 65536 443\r\n", err: `"65536" is not a port`},
	{name: "v1 port with a leading zero", in: "PROXY TCP4 203.0.113.7 192.0.2.10 51234 0443\r\n", err: `"0443" is not a port`},
	{name: "v1 port with a sign", in: "PROXY TCP4 203.0.113.7 192.0.2.10 +5 443\r\n", err: `"+5" is not a port`},
	{name: "v1 empty port", in: "PROXY TCP4 203.0.113.7 192.0.2.10  443\r\n", err: "not a port"},
	{name: "v1 bytes after the line", in: "PROXY UNKNOWN\r\nGET", err: "3 bytes after the header"},
	{name: "v1 truncated", in: "PROXY TCP4 203.0.113.7", err: "truncated"},

	// Version 2: 0x21 is version 2, PROXY; 0x11 is IPv4 over TCP.
	{name: "v2 TCP4", in: v2("21 11 000c cb007107 c000020a c822 01bb"),
		want: proxyproto.Header{Version: 2, Source: addr("203.0.113.7:51234"), Destination: addr("192.0.2.10:443")}},
	{name: "v2 TCP6", in: v2("21 21 0024 20010db8000000000000000000000007 20010db8000000000000000000000001 9c40 0050"),
		want: proxyproto.Header{Version: 2, Source: addr("[2001:db8::7]:40000"), Destination: addr("[2001:db8::1]:80")}},
	{name: "v2 TCP4 with TLVs skipped", in: v2("21 11 0013 cb007107 c000020a c822 01bb 04 0004 00000000"),
		want: proxyproto.Header{Version: 2, Source: addr("203.0.113.7:51234"), Destination: addr("192.0.2.10:443")}},
	{name: "v2 LOCAL (a health check)", in: v2("20 00 0000"), want: proxyproto.Header{Version: 2, Local: true}},
	{name: "v2 LOCAL ignores the family and what follows", in: v2("20 ff 0003 010203"), want: proxyproto.Header{Version: 2, Local: true}},
	{name: "v2 PROXY, family unspecified", in: v2("21 00 0000"), want: proxyproto.Header{Version: 2}},
	{name: "v2 PROXY over UDP", in: v2("21 12 000c cb007107 c000020a c822 01bb"), want: proxyproto.Header{Version: 2}},
	{name: "v2 PROXY from a Unix socket", in: v2("21 31 00d8" + strings.Repeat("00", 216)), want: proxyproto.Header{Version: 2}},
	{name: "v2 version 1 in the signature's byte", in: v2("11 11 000c cb007107 c000020a c822 01bb"), err: "version 1 in a version 2 signature"},
	{name: "v2 version 3", in: v2("31 11 000c cb007107 c000020a c822 01bb"), err: "version 3"},
	{name: "v2 command 2", in: v2("22 11 000c cb007107 c000020a c822 01bb"), err: "command 2"},
	{name: "v2 family 4", in: v2("21 41 000c cb007107 c000020a c822 01bb"), err: "family 4"},
	{name: "v2 transport 3", in: v2("21 13 000c cb007107 c000020a c822 01bb"), err: "transport 3"},
	{name: "v2 address block too short", in: v2("21 11 0008 cb007107 c000020a"), err: "block of 8 bytes; family 1 needs 12"},
	{name: "v2 IPv6 block too short", in: v2("21 21 000c cb007107 c000020a c822 01bb"), err: "family 2 needs 36"},
	{name: "v2 truncated", in: v2("21 11 000c cb007107 c000020a"), err: "truncated"},
	{name: "v2 fixed part truncated", in: v2("21 11 00"), err: "truncated"},
	{name: "v2 bytes after the header", in: v2("21 11 000c cb007107 c000020a c822 01bb 47"), err: "1 bytes after the header"},

	// No header.
	{name: "an HTTP request", in: "GET / HTTP/1.1\r\n\r\n", err: `does not start with one (it starts "G`},
	{name: "a POST, which starts like PROXY", in: "POST / HTTP/1.1\r\n\r\n", err: "does not start with one"},
	{name: "a TLS ClientHello", in: "\x16\x03\x01\x02\x00\x01\x00\x01", err: "does not start with one"},
	{name: "empty lines, then a request", in: "\r\n\r\nGET / HTTP/1.1\r\n\r\n", err: "does not start with one"},
	{name: "nothing", in: "", err: "truncated"},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := proxyproto.Parse([]byte(tt.in))
			checkResult(t, "Parse", tt, got, err)
		})
	}
}

// checkResult compares a Parse or Read result with tt.
func checkResult(t *testing.T, what string, tt parseTest, got proxyproto.Header, err error) {
	t.Helper()
	if tt.err != "" {
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Fatalf("%s(%q) = %+v, %v; want an error containing %q", what, tt.in, got, err, tt.err)
		}
		if !errors.Is(err, proxyproto.ErrHeader) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			t.Errorf("%s(%q) = %v; want it to wrap ErrHeader", what, tt.in, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s(%q) = %v; want %+v", what, tt.in, err, tt.want)
	}
	if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.AddrPort) bool { return a == b })); diff != "" {
		t.Errorf("%s(%q) mismatch (-want +got):\n%s", what, tt.in, diff)
	}
}

// readTests are the parse tests that make sense on a stream: a stream
// goes on after the header, so "bytes after the header" are the client's,
// and a truncated header is an early end.
func readTests() []parseTest {
	var out []parseTest
	for _, tt := range parseTests {
		switch {
		case strings.Contains(tt.err, "after the header"):
			continue
		case tt.err == "truncated" && tt.in == "":
			tt.err = "EOF"
		case tt.err == "truncated":
			tt.err = "unexpected EOF"
		}
		out = append(out, tt)
	}
	return out
}

// TestRead reads each header from a stream that goes on with a request,
// one byte a read (the slowest peer there is) and all at once; the
// request must be left in the stream, untouched.
func TestRead(t *testing.T) {
	const next = "GET / HTTP/1.1\r\n\r\n"
	for _, tt := range readTests() {
		for _, slow := range []bool{false, true} {
			in := tt.in
			if tt.err == "" {
				in += next
			}
			var r io.Reader = strings.NewReader(in)
			if slow {
				r = iotest.OneByteReader(r)
			}
			got, err := proxyproto.Read(r)
			checkResult(t, "Read", tt, got, err)
			if tt.err != "" {
				continue
			}
			if rest, _ := io.ReadAll(r); string(rest) != next {
				t.Errorf("Read(%q) (one byte a read: %v) left %q; want the request, %q", in, slow, rest, next)
			}
		}
	}
}

// TestReadLongTLVs: a version 2 header whose TLVs make it longer than
// any header without them is read whole, and only it.
func TestReadLongTLVs(t *testing.T) {
	tlv := "ee 0400 " + strings.Repeat("ab", 1024) // a type of no meaning, 1,024 bytes
	in := v2("21 11 040f cb007107 c000020a c822 01bb "+tlv) + "GET"
	r := bytes.NewReader([]byte(in))
	got, err := proxyproto.Read(r)
	if err != nil || got.Source != addr("203.0.113.7:51234") {
		t.Fatalf("Read(1,055-byte header) = %+v, %v; want the client 203.0.113.7:51234", got, err)
	}
	if r.Len() != len("GET") {
		t.Errorf("Read left %d bytes; want 3, the request's", r.Len())
	}
}
