package certs

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// DefaultNames returns the names a development certificate covers when none
// are given: what a browser, curl or the course graders type to reach a
// server on the same machine.
func DefaultNames() []string { return []string{"localhost", "127.0.0.1", "::1"} }

// maxNameLen is the longest DNS name in text form (RFC 1035 section 2.3.4
// allows 255 octets on the wire: 253 characters without the final dot).
const maxNameLen = 253

// A NameError reports a name that cannot go into a certificate, and why.
type NameError struct {
	Name   string // the name as given
	Reason string // what is wrong with it, and the fix where there is one
}

// Error says which name was refused and why, in one line for certgen to print.
func (e *NameError) Error() string {
	return fmt.Sprintf("certs: refusing name %q: %s", e.Name, e.Reason)
}

// CheckName validates one name for a certificate and returns its canonical
// form: an IP address (v4 or v6) in Go's standard text form, or a DNS name
// in lower case. DNS names follow RFC 1123 section 2.1: dot-separated
// labels of 1 to 63 letters, digits and hyphens, not starting or ending
// with a hyphen, 253 characters at most. A wildcard is allowed only as the
// entire leftmost label, above at least two more labels ("*.example.test"),
// because TLS clients match "*" against exactly one label (RFC 6125 section
// 6.4.3) and refuse wildcards for a whole top-level domain. Anything else,
// including URLs and host:port forms, is refused with a *NameError.
func CheckName(name string) (string, error) {
	bad := func(reason string) (string, error) {
		return "", &NameError{Name: name, Reason: reason}
	}
	switch {
	case name == "":
		return bad("the name is empty")
	case strings.Contains(name, "://"):
		return bad("this is a URL; give only the host name, as in \"localhost\"")
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f {
			return bad("contains a space or control character")
		}
		if r > 0x7f {
			return bad("contains a non-ASCII character; give an internationalised name in its xn-- (Punycode) form")
		}
	}
	if addr, err := netip.ParseAddr(name); err == nil {
		if addr.Zone() != "" {
			return bad("an IPv6 zone (%...) cannot go into a certificate; drop it")
		}
		return addr.Unmap().String(), nil
	}
	if strings.HasPrefix(name, "[") {
		return bad("drop the brackets around an IPv6 address, as in \"::1\"")
	}
	if strings.Contains(name, ":") {
		if host, port, err := net.SplitHostPort(name); err == nil {
			return bad(fmt.Sprintf("a certificate does not name a port; give %q without \":%s\"", host, port))
		}
		return bad("contains ':' but is not an IP address")
	}
	if strings.Contains(name, "/") {
		return bad("contains '/'; give only the host name")
	}
	if len(name) > maxNameLen {
		return bad(fmt.Sprintf("longer than %d characters", maxNameLen))
	}
	if strings.HasSuffix(name, ".") {
		return bad("ends with '.'; drop the trailing dot")
	}
	labels := strings.Split(name, ".")
	if labels[0] == "*" {
		labels = labels[1:]
		if len(labels) < 2 {
			return bad("a wildcard needs at least two labels after \"*.\", as in \"*.example.test\"")
		}
	}
	for _, label := range labels {
		if reason := checkLabel(label); reason != "" {
			return bad(reason)
		}
	}
	if allDigits(labels[len(labels)-1]) {
		return bad("the last label is all digits, so this is neither a valid IP address nor a host name")
	}
	// Only ASCII is left, so lower-casing cannot change the length.
	return strings.ToLower(name), nil
}

// checkLabel returns why label is not an RFC 1123 label, or "" if it is.
func checkLabel(label string) string {
	switch {
	case label == "":
		return "has an empty label (two dots in a row, or a leading dot)"
	case strings.Contains(label, "*"):
		return "'*' is allowed only as the whole leftmost label, as in \"*.example.test\""
	case len(label) > 63:
		return fmt.Sprintf("the label %q is longer than 63 characters", label)
	case label[0] == '-' || label[len(label)-1] == '-':
		return fmt.Sprintf("the label %q starts or ends with '-'", label)
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return fmt.Sprintf("the label %q contains %q; only letters, digits and '-' are allowed", label, c)
		}
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// sans splits names into the DNS and IP subject alternative names of a
// certificate, after checking each one. Duplicates (after canonicalising,
// so "LOCALHOST" and "localhost" are one) are dropped; order is kept, since
// the first name is shown to the user as the certificate's main name.
func sans(names []string) (dns []string, ips []net.IP, canonical []string, err error) {
	seen := make(map[string]bool)
	for _, n := range names {
		c, err := CheckName(n)
		if err != nil {
			return nil, nil, nil, err
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		canonical = append(canonical, c)
		if addr, err := netip.ParseAddr(c); err == nil {
			ips = append(ips, net.IP(addr.AsSlice()))
		} else {
			dns = append(dns, c)
		}
	}
	return dns, ips, canonical, nil
}
