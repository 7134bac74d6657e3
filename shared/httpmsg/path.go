package httpmsg

import (
	"path"
	"strings"
)

// DecodePath turns a request path as sent (the path part of a
// request-target) into the path every handler and router sees
// (Request.Path). It is the one rule for it:
//
//   - Every %XX becomes the byte XX, %2F included, so "/a%2Fb" names the
//     same file as "/a/b", as in net/http's URL.Path. RFC 3986 2.2 lets
//     a URI tell them apart, but a file or script name cannot hold a '/';
//     a handler that needs the difference has Request.RawPath.
//
//   - '+' stays '+'. It means a space only in a form-encoded query string
//     (application/x-www-form-urlencoded), never in a path.
//
//   - A '%' that is not followed by two hex digits is refused.
//
//   - Then, in a path that begins with '/', the "." and ".." segments and
//     doubled slashes are removed as path.Clean does (RFC 3986 5.2.4), a
//     trailing slash kept, as it asks for a folder: "/a/./b/../c/" is
//     "/a/c/", and ".." never climbs above "/". So "/cgi/../index.html"
//     is "/index.html" for the router and for every handler alike.
//
// Nothing else is checked or changed: the bytes decoded may be any byte
// (a handler refuses what it cannot use). A clean path without '%' (nearly
// every path) is returned as it is, without allocating. On a malformed
// escape it returns "" and a *StatusError with code 400, the answer to a
// request whose target does not decode.
//
//	pct-encoded = "%" HEXDIG HEXDIG   (RFC 3986 2.1)
func DecodePath(raw string) (string, error) {
	dec, err := unescape(raw)
	if err != nil || !strings.HasPrefix(dec, "/") {
		return dec, err
	}
	return removeDots(dec), nil
}

// removeDots cleans the absolute path p as path.Clean does, keeping a
// trailing slash. A path that is already clean is returned as it is.
func removeDots(p string) string {
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		if clean == p[:len(p)-1] {
			return p
		}
		clean += "/"
	}
	return clean
}

// unescape decodes every %XX of raw.
func unescape(raw string) (string, error) {
	first := strings.IndexByte(raw, '%')
	if first < 0 {
		return raw, nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	b.WriteString(raw[:first])
	for i := first; i < len(raw); i++ {
		c := raw[i]
		if c == '%' {
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return "", badRequest("malformed percent-encoding in path")
			}
			c = unhex(raw[i+1])<<4 | unhex(raw[i+2])
			i += 2
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// unhex is the value of the hex digit c (isHex(c) is true).
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
