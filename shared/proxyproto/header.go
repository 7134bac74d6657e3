package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Header is what a PROXY protocol header says about the connection it
// starts.
type Header struct {
	Version int // 1 or 2
	// Local is version 2's LOCAL command: the proxy opened the connection
	// for itself (a health check) and relays no client.
	Local bool
	// Source is the client and Destination the address it connected to
	// (the proxy's). Both are the zero AddrPort when the header names no
	// TCP client: LOCAL, UNKNOWN, or another family or transport.
	Source, Destination netip.AddrPort
}

// ErrHeader is wrapped by every error about a header that is missing or
// malformed: the connection is a bad request. A connection that ends or
// times out before its header is complete gives the I/O error instead
// (io.EOF, io.ErrUnexpectedEOF, os.ErrDeadlineExceeded).
var ErrHeader = errors.New("bad PROXY protocol header")

func headerError(format string, args ...any) error {
	return fmt.Errorf("proxyproto: %w: %s", ErrHeader, fmt.Sprintf(format, args...))
}

const (
	v1Prefix = "PROXY "
	// v1MaxLen is the longest version 1 line, CRLF included: the spec's
	// "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n".
	v1MaxLen = 107
	// v2Signature starts every version 2 header. It cannot start an HTTP
	// request or a TLS record: an empty line, then a NUL.
	v2Signature = "\r\n\r\n\x00\r\nQUIT\n"
	v2FixedLen  = 16 // signature, version and command, family and transport, length
	// v2AddrMax is the largest address block, the Unix family's two
	// 108-byte paths; a buffer of v2FixedLen+v2AddrMax bytes holds any
	// header without TLVs, and any version 1 line.
	v2AddrMax = 216
	maxSmall  = v2FixedLen + v2AddrMax
)

// The version 2 codes of byte 13, family and transport, and the size of
// each family's address block.
const (
	cmdLocal = 0x0
	cmdProxy = 0x1

	famUnspec = 0x0
	famInet   = 0x1
	famInet6  = 0x2
	famUnix   = 0x3

	transStream = 0x1
	transDgram  = 0x2
)

var v2AddrLen = [...]int{famUnspec: 0, famInet: 12, famInet6: 36, famUnix: 216}

// frame looks at b, the first bytes of a connection, and says how long
// the header they begin is: n > 0 is its length (for version 2 it may be
// longer than b: read the rest), n == 0 means that b is too short to
// tell. An error means that b does not begin with a header at all, or
// with one that is malformed from its first bytes; it is decided as soon
// as b shows it, so that a trusted peer that sends a plain request is
// answered at once rather than waited for.
func frame(b []byte) (n int, err error) {
	switch {
	case couldStart(b, v2Signature):
		if len(b) > len(v2Signature) && b[12]>>4 != 2 {
			return 0, headerError("version %d in a version 2 signature", b[12]>>4)
		}
		if len(b) < v2FixedLen {
			return 0, nil
		}
		return v2FixedLen + int(binary.BigEndian.Uint16(b[14:16])), nil
	case couldStart(b, v1Prefix):
		line := b[:min(len(b), v1MaxLen)]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			if i == 0 || line[i-1] != '\r' {
				return 0, headerError("version 1 line ends in a bare LF")
			}
			return i + 1, nil
		}
		if len(line) == v1MaxLen {
			return 0, headerError("version 1 line longer than %d bytes", v1MaxLen)
		}
		return 0, nil
	default:
		return 0, headerError("the connection does not start with one (it starts %q)", b[:min(len(b), 8)])
	}
}

// couldStart reports whether b could be the start of a stream that
// begins with prefix: b and prefix agree as far as both go.
func couldStart(b []byte, prefix string) bool {
	n := min(len(b), len(prefix))
	return string(b[:n]) == prefix[:n]
}

// Parse parses b, which must be exactly one header, of either version.
func Parse(b []byte) (Header, error) {
	n, err := frame(b)
	switch {
	case err != nil:
		return Header{}, err
	case n == 0 || n > len(b):
		return Header{}, headerError("truncated: %d bytes", len(b))
	case n < len(b):
		return Header{}, headerError("%d bytes after the header", len(b)-n)
	case b[0] == 'P':
		return parseV1(string(b[:n-2]))
	default:
		return parseV2(b)
	}
}

// parseV1 parses a version 1 line, without its CRLF.
//
//	"PROXY" SP ("TCP4" / "TCP6") SP src SP dst SP srcport SP dstport
//	"PROXY" SP "UNKNOWN" *(any byte)   the rest is ignored
func parseV1(line string) (Header, error) {
	proto, addrs, _ := strings.Cut(strings.TrimPrefix(line, v1Prefix), " ")
	switch proto {
	case "UNKNOWN":
		return Header{Version: 1}, nil
	case "TCP4", "TCP6":
	default:
		return Header{}, headerError("version 1 protocol %q (want TCP4, TCP6 or UNKNOWN)", proto)
	}
	f := strings.Split(addrs, " ")
	if len(f) != 4 {
		return Header{}, headerError("version 1 %s line has %d fields after the protocol; want 4 (single spaces)", proto, len(f))
	}
	src, err := parseV1Addr(proto, f[0], f[2])
	if err != nil {
		return Header{}, err
	}
	dst, err := parseV1Addr(proto, f[1], f[3])
	if err != nil {
		return Header{}, err
	}
	return Header{Version: 1, Source: src, Destination: dst}, nil
}

// parseV1Addr parses one address and its port: dotted IPv4 for TCP4,
// IPv6 (without a zone) for TCP6, and a decimal port.
func parseV1Addr(proto, addr, port string) (netip.AddrPort, error) {
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" || (proto == "TCP4") != a.Is4() {
		return netip.AddrPort{}, headerError("%q is not an address of %s", addr, proto)
	}
	p, ok := parsePort(port)
	if !ok {
		return netip.AddrPort{}, headerError("%q is not a port (0 to 65535, no leading zero)", port)
	}
	return netip.AddrPortFrom(a, p), nil
}

// parsePort parses a port as the spec writes it: decimal, 0 to 65535,
// without a sign or a leading zero.
func parsePort(s string) (uint16, bool) {
	if s == "" || len(s) > 5 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return uint16(n), n <= 65535
}

// parseV2 parses a version 2 header; frame has checked its signature,
// its version and its length.
func parseV2(b []byte) (Header, error) {
	cmd, fam, trans := b[12]&0xf, b[13]>>4, b[13]&0xf
	block := b[v2FixedLen:] // addresses, then TLVs
	switch {
	case cmd == cmdLocal:
		// The proxy speaks for itself: the spec says to ignore the
		// family and whatever follows.
		return Header{Version: 2, Local: true}, nil
	case cmd != cmdProxy:
		return Header{}, headerError("version 2 command %d (want 0, LOCAL, or 1, PROXY)", cmd)
	case int(fam) >= len(v2AddrLen) || trans > transDgram:
		return Header{}, headerError("version 2 family %d, transport %d", fam, trans)
	case len(block) < v2AddrLen[fam]:
		return Header{}, headerError("version 2 address block of %d bytes; family %d needs %d", len(block), fam, v2AddrLen[fam])
	}
	h := Header{Version: 2}
	if trans != transStream {
		return h, nil // not TCP: no client lisod could name
	}
	switch fam {
	case famInet:
		h.Source = netip.AddrPortFrom(netip.AddrFrom4([4]byte(block[0:4])), binary.BigEndian.Uint16(block[8:10]))
		h.Destination = netip.AddrPortFrom(netip.AddrFrom4([4]byte(block[4:8])), binary.BigEndian.Uint16(block[10:12]))
	case famInet6:
		h.Source = netip.AddrPortFrom(netip.AddrFrom16([16]byte(block[0:16])), binary.BigEndian.Uint16(block[32:34]))
		h.Destination = netip.AddrPortFrom(netip.AddrFrom16([16]byte(block[16:32])), binary.BigEndian.Uint16(block[34:36]))
	}
	return h, nil
}
