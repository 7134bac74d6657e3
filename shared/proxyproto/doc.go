// Package proxyproto reads the PROXY protocol header, versions 1 and 2, as
// HAProxy's specification defines it
// (https://www.haproxy.org/download/1.8/doc/proxy-protocol.txt).
// Introduced in checkpoint 3, for lisod behind a load balancer
// (docs/production.md).
//
// A load balancer that relays TCP connections opens a connection of its
// own to the server for each client, so the server sees the balancer's
// address, not the client's. The PROXY protocol puts the client's address
// in front of the client's bytes, once, at the start of the connection:
//
//	version 1, one line of text, at most 107 bytes with its CRLF:
//	  PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\r\n
//	  PROXY UNKNOWN\r\n
//	version 2, binary (all numbers big-endian):
//	  12 bytes   the signature \r\n\r\n\0\r\nQUIT\n
//	  1 byte     version (high 4 bits, 2) and command (low 4 bits: 0 LOCAL, 1 PROXY)
//	  1 byte     family (0 unspecified, 1 IPv4, 2 IPv6, 3 Unix) and transport (1 stream, 2 datagram)
//	  2 bytes    length of what follows
//	  addresses  source, destination, source port, destination port (12 bytes for IPv4, 36 for IPv6)
//	  TLVs       optional type-length-value extras, which this package skips
//
// Then the client's own bytes follow: an HTTP request, or a TLS handshake.
//
// A Listener accepts connections as its net.Listener does, and expects the
// header only from the addresses it trusts: anyone else could write one and
// pass for any client. A Conn from a trusted address reads the header on
// its first Read, on the goroutine that serves it (never in the accept
// loop, where one slow peer would hold up every other), and from then on
// reports the client's address as its RemoteAddr. It reads exactly the
// header's bytes from the socket and no more, so nothing waits in a buffer
// above the socket: the HTTP server can still park an idle connection in
// epoll, which sees only the socket. A connection from an untrusted address
// is passed on untouched; a header it sends is not HTTP, and the HTTP
// parser answers 400 as it does to any malformed request line.
//
// A header that names no client (version 2's LOCAL command, which HAProxy
// sends for its health checks, version 1's UNKNOWN, or an address family
// other than TCP over IPv4 or IPv6) leaves the connection's own address in
// place: the proxy is then the client.
package proxyproto
