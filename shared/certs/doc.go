// Package certs is a small local certificate authority for lisod's HTTPS,
// introduced in checkpoint 3.
//
// The course handed every student a CA certificate, a private key and a
// server certificate from a course key server. This package does the same
// job on the student's own machine: it creates a CA once (a self-signed
// X.509 certificate, RFC 5280) and issues server key pairs whose
// certificates carry the host names and IP addresses as subject alternative
// names (RFC 5280 section 4.2.1.6), with the serverAuth extended key usage
// that TLS clients require (RFC 5280 section 4.2.1.12).
//
// Everything lives under one per-user folder, [DefaultHome]. The CA sits in
// [CADir] as ca.crt and ca.key; a server pair defaults to server.key and
// server.crt in the home folder, which are exactly the files lisod loads
// when it is given no key or certificate ([ServerKeyPath], [ServerCertPath]).
// Checkpoint 3 calls [EnsureServerPair], which takes the pair it was given
// or else has [EnsureDevPair] create the development pair on first start,
// and prints the lines [ServerPair.IssuedLine] and [ServerPair.TrustLine].
//
// Keys are PKCS#8 PEM ("PRIVATE KEY"), which crypto/tls, OpenSSL and curl
// all read. Files are replaced atomically: each is written to a temporary
// file beside it, synced, and renamed into place, so an error leaves either
// the old files or the complete new ones (see writeFiles for the one
// remaining window).
package certs
