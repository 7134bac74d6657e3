package suite

// This file holds the TLS table: what a client offers in its ClientHello,
// and what the server must negotiate with it, or that it must refuse.
// Each row is a check; the rows the course needs (a TLS 1.2 client
// connects) are in the HTTPS stage, the RFC recommendations (RFC 8996,
// RFC 9325) are Strict, and the whole table runs once more against a
// server with an RSA certificate, with which RSA key exchange would be
// possible if the server allowed it.

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"liso/shared/certs"
)

// TLSOffer is one row of the TLS table. docs/security.md lists the rows
// (Name, Expected, Ref).
type TLSOffer struct {
	Name  string // what the client offers, in words
	Ref   string // the source, short, as docs/security.md cites it
	Check string // the check's name
	Stage Stage
	// Strict marks a row that only an RFC asks for; Rule says which.
	Strict bool
	Rule   string
	// The ClientHello: versions, TLS 1.2 suites (nil: Go's default) and
	// ALPN protocols.
	MinVersion, MaxVersion uint16
	Suites                 []uint16
	ALPN                   []string
	// Refused: the server must end the handshake with an alert.
	// Otherwise it must negotiate Version (0: TLS 1.2 or 1.3, whichever
	// the server has), with an ECDHE+AEAD suite.
	Refused bool
	Version uint16
}

// Expected is the row's expectation in words.
func (o *TLSOffer) Expected() string {
	if o.Refused {
		return "handshake refused"
	}
	if o.Version == 0 {
		return "TLS 1.2 or 1.3 with an ECDHE+AEAD suite"
	}
	return fmt.Sprintf("%s with an ECDHE+AEAD suite", tls.VersionName(o.Version))
}

// TLSOffers is the TLS table, in the order docs/security.md lists it.
var TLSOffers = []TLSOffer{
	{Name: "TLS 1.0", Ref: "RFC 8996 (deprecated)", Check: "https/tls-1.0-refused", Stage: StageHTTPS, Strict: true,
		Rule:       "RFC 8996 section 4: TLS 1.0 MUST NOT be negotiated (the course's graders asked for no particular version)",
		MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10, Refused: true},
	{Name: "TLS 1.1", Ref: "RFC 8996 (deprecated)", Check: "https/tls-1.1-refused", Stage: StageHTTPS, Strict: true,
		Rule:       "RFC 8996 section 5: TLS 1.1 MUST NOT be negotiated (the course's graders asked for no particular version)",
		MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS11, Refused: true},
	{Name: "TLS 1.2 with CBC suites only", Ref: "Lucky13, padding oracles (RFC 9325 4.2)", Check: "https/tls-1.2-cbc-refused", Stage: StageHTTPS, Strict: true,
		Rule:       "RFC 9325 section 4.2: TLS 1.2 with AEAD suites only; CBC suites invite padding oracles (Lucky13)",
		MaxVersion: tls.VersionTLS12, Refused: true, Suites: suiteIDs(
			"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
			"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")},
	{Name: "TLS 1.2 with RSA key exchange only", Ref: "no forward secrecy, ROBOT (RFC 9325 4.1)", Check: "robust/tls/rsa-key-exchange-refused", Stage: StageRobust, Strict: true,
		Rule:       "RFC 9325 section 4.1: no cipher suites based on RSA key transport (no forward secrecy; ROBOT)",
		MaxVersion: tls.VersionTLS12, Refused: true, Suites: suiteIDs(
			"TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_CBC_SHA",
			"TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256")},
	{Name: "TLS 1.2 with 3DES only", Ref: "Sweet32 (RFC 9325 4.1)", Check: "robust/tls/3des-refused", Stage: StageRobust, Strict: true,
		Rule:       "RFC 9325 section 4.1: no suites of less than 128 bits of security (3DES: Sweet32)",
		MaxVersion: tls.VersionTLS12, Refused: true, Suites: suiteIDs("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA")},
	{Name: "TLS 1.2 with RC4 only", Ref: "RFC 7465 (RC4 prohibited)", Check: "robust/tls/rc4-refused", Stage: StageRobust, Strict: true,
		Rule:       "RFC 7465 section 2: RC4 suites MUST NOT be negotiated",
		MaxVersion: tls.VersionTLS12, Refused: true, Suites: suiteIDs("TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_RC4_128_SHA")},
	{Name: "TLS 1.2 with every suite Go has, weak ones included", Ref: "the server's preference wins (RFC 9325 4.2)", Check: "robust/tls/weak-suites-offered-first", Stage: StageRobust, Strict: true,
		Rule:       "RFC 9325 sections 4.1 and 4.2: offered weak suites first, the server still picks ECDHE with an AEAD cipher",
		MaxVersion: tls.VersionTLS12, Version: tls.VersionTLS12, Suites: everySuite()},
	{Name: "TLS 1.2 with ECDHE and AES-GCM", Ref: "RFC 9325 4.2 (recommended)", Check: "https/tls-1.2", Stage: StageHTTPS,
		Rule:       "course: the graders' clients must connect, and today's offer TLS 1.2 at least (RFC 9325 section 3.1.1: TLS 1.2 MUST be supported, with the suites of section 4.2)",
		MaxVersion: tls.VersionTLS12, Version: tls.VersionTLS12, Suites: suiteIDs("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")},
	{Name: "TLS 1.2 with ECDHE and ChaCha20-Poly1305", Ref: "RFC 7905", Check: "robust/tls/chacha20-poly1305", Stage: StageRobust, Strict: true,
		Rule:       "RFC 7905: the ChaCha20-Poly1305 suites, the AEAD choice of clients without AES hardware (RFC 9325 section 4.2 asks for AEAD suites)",
		MaxVersion: tls.VersionTLS12, Version: tls.VersionTLS12, Suites: suiteIDs("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256")},
	{Name: "TLS 1.3", Ref: "RFC 8446", Check: "https/tls-1.3", Stage: StageHTTPS, Strict: true,
		Rule:       "RFC 9325 section 3.1.1: TLS 1.3 SHOULD be supported (RFC 8446; the course predates it)",
		MinVersion: tls.VersionTLS13, Version: tls.VersionTLS13},
	{Name: "a default client", Ref: "RFC 9325 3.1 (negotiate the highest)", Check: "robust/tls/default-client-gets-1.3", Stage: StageRobust, Strict: true,
		Rule:    "RFC 9325 section 3.1.1: a server that has TLS 1.3 negotiates it with a client that offers it",
		Version: tls.VersionTLS13},
	{Name: "ALPN offering h2 and http/1.1", Ref: "RFC 7301; lisod speaks HTTP/1.1 only", Check: "robust/tls/alpn-h2-and-http-1.1", Stage: StageRobust,
		Rule: "course: the graders' curl offers h2 and http/1.1 by ALPN; a server that speaks HTTP/1.1 must not pick h2 (RFC 7301 section 3.2)",
		ALPN: []string{"h2", "http/1.1"}},
}

// suiteIDs returns the IDs of the named TLS 1.2 suites Go knows, secure or
// not. A name Go does not know is a bug in the table: its check fails.
func suiteIDs(names ...string) []uint16 {
	var ids []uint16
	for _, name := range names {
		i := slices.IndexFunc(everySuite(), func(id uint16) bool { return tls.CipherSuiteName(id) == name })
		if i < 0 {
			unknownSuites = append(unknownSuites, name)
			continue
		}
		ids = append(ids, everySuite()[i])
	}
	return ids
}

// unknownSuites are names in the table that Go does not know.
var unknownSuites []string

// everySuite is every suite Go can offer, the insecure ones first: the
// server must still pick one of its own.
func everySuite() []uint16 {
	var ids []uint16
	for _, s := range append(tls.InsecureCipherSuites(), tls.CipherSuites()...) {
		ids = append(ids, s.ID)
	}
	return ids
}

// tlsOfferChecks makes a check of each row of the table, plus the Strict
// ALPN check and the table against an RSA certificate.
func tlsOfferChecks() []Check {
	var checks []Check
	for i := range TLSOffers {
		o := &TLSOffers[i]
		checks = append(checks, Check{
			Name: o.Check, Stage: o.Stage, Since: 3, Rule: o.Rule, Strict: o.Strict,
			Doc: tlsDoc(o.Stage),
			Run: func(c *C) { checkOffer(c, c.Target, o, "") },
		})
	}
	return append(checks,
		Check{
			Name: "robust/tls/alpn-selects-http-1.1", Stage: StageRobust, Since: 3, Strict: true,
			Rule: "RFC 9325 section 3.8: TLS servers MUST support ALPN; offered h2 and http/1.1, an HTTP/1.1 server selects http/1.1",
			Doc:  "docs/checkpoint3.md#the-tls-configuration-chosen-on-purpose",
			Run:  func(c *C) { checkALPN(c, c.Target, "") },
		},
		Check{
			Name: "robust/tls/rsa-certificate", Stage: StageRobust, Since: 3, Strict: true, Starts: true,
			Rule: "RFC 8996 and RFC 9325 sections 4.1 and 4.2, as the table's other checks, with an RSA certificate: with one, RSA key exchange is possible unless the server refuses it",
			Doc:  "docs/security.md#tls",
			Run: func(c *C) {
				if len(unknownSuites) > 0 {
					c.Fatal(Errorf("lisocheck's TLS table names suites Go does not know: %q", unknownSuites))
				}
				own, stop := ownServer{keyType: certs.RSA2048}.start(c)
				defer stop()
				for i := range TLSOffers {
					checkOffer(c, own, &TLSOffers[i], "RSA certificate, "+TLSOffers[i].Check+": ")
				}
				checkALPN(c, own, "RSA certificate, robust/tls/alpn-selects-http-1.1: ")
			},
		},
	)
}

// tlsDoc is where the docs explain a row of the table's stage.
func tlsDoc(s Stage) string {
	if s == StageRobust {
		return "docs/security.md#tls"
	}
	return "docs/checkpoint3.md#the-tls-configuration-chosen-on-purpose"
}

// checkALPN offers h2 and http/1.1 by ALPN, and wants http/1.1 chosen.
func checkALPN(c *C, t *Target, prefix string) {
	o := offerNamed("ALPN offering h2 and http/1.1")
	if st, ok := checkOffer(c, t, o, prefix); ok && st.NegotiatedProtocol != "http/1.1" {
		c.Fail(Failure{Sent: prefix + describeOffer(o), Got: describeState(st), Want: `ALPN "http/1.1"`})
	}
}

// offerNamed is the row of the table with that name.
func offerNamed(name string) *TLSOffer {
	i := slices.IndexFunc(TLSOffers, func(o TLSOffer) bool { return o.Name == name })
	return &TLSOffers[i]
}

// checkOffer makes the row's handshake with t's HTTPS port and checks the
// outcome; a connection that is made must serve a request. It returns the
// connection's state and whether the handshake succeeded as it should.
// Failures start with prefix.
func checkOffer(c *C, t *Target, o *TLSOffer, prefix string) (tls.ConnectionState, bool) {
	sent := describeOffer(o)
	if len(unknownSuites) > 0 {
		c.Fatal(Errorf("lisocheck's TLS table names suites Go does not know: %q", unknownSuites))
	}
	cfg := t.TLSConfig()
	cfg.MinVersion, cfg.MaxVersion, cfg.CipherSuites, cfg.NextProtos = o.MinVersion, o.MaxVersion, o.Suites, o.ALPN
	conn, err := t.DialTLS(cfg)
	if o.Refused {
		if err == nil {
			st := conn.ConnectionState()
			conn.Close()
			c.Fail(Failure{Sent: prefix + sent, Got: "accepted: " + describeState(st), Want: "the handshake refused with an alert"})
			return st, false
		}
		// The refusal must be the server's (an alert it sent: RFC 8446
		// 4.1.1 and 4.2.1, RFC 5246 7.2), not a client that would not
		// even offer what the row asks for.
		if !remoteAlert(err) {
			c.Fail(Failure{Sent: prefix + sent, Got: err.Error(), Want: "the handshake refused with an alert from the server"})
		}
		return tls.ConnectionState{}, false
	}
	if err != nil {
		c.Fail(Failure{Sent: prefix + sent, Got: err.Error(), Want: o.Expected()})
		return tls.ConnectionState{}, false
	}
	defer conn.Close()
	st := conn.ConnectionState()
	ok := true
	name := tls.CipherSuiteName(st.CipherSuite)
	switch {
	case o.Version != 0 && st.Version != o.Version, st.Version < tls.VersionTLS12:
		c.Fail(Failure{Sent: prefix + sent, Got: describeState(st), Want: o.Expected()})
		ok = false
	case !aead(name) || st.Version == tls.VersionTLS12 && !strings.HasPrefix(name, "TLS_ECDHE_"):
		c.Fail(Failure{Sent: prefix + sent, Got: describeState(st), Want: o.Expected(), Note: "ECDHE gives forward secrecy; AES-GCM and ChaCha20-Poly1305 are the AEAD ciphers"})
		ok = false
	case len(o.ALPN) > 0 && st.NegotiatedProtocol != "" && st.NegotiatedProtocol != "http/1.1":
		c.Fail(Failure{Sent: prefix + sent, Got: describeState(st), Want: `ALPN "http/1.1", or none: an HTTP/1.1 server must not choose ` + st.NegotiatedProtocol})
		ok = false
	}
	c.Logf("%s%s: %s", prefix, o.Name, describeState(st))
	getOverTLS(c, conn, prefix+"after "+o.Name)
	return st, ok
}

// aead reports whether a suite's cipher is an AEAD one.
func aead(suite string) bool {
	return strings.Contains(suite, "_GCM_") || strings.Contains(suite, "CHACHA20_POLY1305")
}

// remoteAlert reports whether a handshake failed on an alert the server
// sent (crypto/tls reports one as a "remote error").
func remoteAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}

// describeOffer is the row's ClientHello in words.
func describeOffer(o *TLSOffer) string {
	lo, hi := o.MinVersion, o.MaxVersion
	if lo == 0 {
		lo = tls.VersionTLS12 // Go's client's default
	}
	if hi == 0 {
		hi = tls.VersionTLS13
	}
	s := "a TLS ClientHello (" + o.Name + "): " + tls.VersionName(lo) + " to " + tls.VersionName(hi)
	if o.Suites != nil {
		var names []string
		for _, id := range o.Suites {
			names = append(names, tls.CipherSuiteName(id))
		}
		s += ", TLS 1.2 suites " + strings.Join(names, " ")
	}
	if o.ALPN != nil {
		s += ", ALPN " + strings.Join(o.ALPN, " ")
	}
	return s
}

// describeState is what a handshake negotiated.
func describeState(st tls.ConnectionState) string {
	s := tls.VersionName(st.Version) + ", " + tls.CipherSuiteName(st.CipherSuite)
	if st.NegotiatedProtocol != "" {
		s += ", ALPN " + st.NegotiatedProtocol
	}
	return s
}
