package httpmsg

import "strings"

// DecodePath decodes the percent-encoding of a request path, such as the
// path part of a request-target; it is the one rule for the path every
// handler sees (Request.Path):
//
//   - Every %XX becomes the byte XX, %2F included, so "/a%2Fb" names the
//     same file as "/a/b", as in net/http's URL.Path. RFC 3986 2.2 lets
//     a URI tell them apart, but a file or script name cannot hold a '/';
//     a handler that needs the difference has Request.RawPath.
//   - '+' stays '+'. It means a space only in a form-encoded query string
//     (application/x-www-form-urlencoded), never in a path.
//   - A '%' that is not followed by two hex digits is refused.
//
// Nothing else is checked or changed: the bytes decoded may be any byte
// (a handler refuses what it cannot use), and "." and ".." segments are
// left for the handler to clean. A path without '%' is returned as it
// is, without allocating. On a malformed escape it returns "" and a
// *StatusError with code 400, the answer to a request whose target does
// not decode.
//
//	pct-encoded = "%" HEXDIG HEXDIG   (RFC 3986 2.1)
func DecodePath(raw string) (string, error) {
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
