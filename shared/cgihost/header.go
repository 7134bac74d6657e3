package cgihost

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"liso/shared/httpmsg"
)

// header is a script's CGI header block, parsed (RFC 3875 section 6):
//
//	CGI-Response   = document-response | local-redir-response |
//	                 client-redir-response | client-redirdoc-response
//	header-field   = CGI-field | other-field
//	CGI-field      = Content-Type | Location | Status
//
// The block ends at the first empty line; the response body follows.
type header struct {
	status        int             // from Status; 0 when absent
	location      string          // from Location; "" when absent
	contentLength int64           // from Content-Length; -1 when absent
	fields        []httpmsg.Field // every field but Status and Content-Length, in order
}

// localRedirect reports whether the block is a local redirect (RFC 3875
// 6.2.2): a Location holding a path on this server, and no other field.
// The caller checks that no body follows. "//host/x" is a URL without a
// scheme, not a path: it is passed to the client like any other URL.
func (h *header) localRedirect() bool {
	return len(h.fields) == 1 && h.status == 0 && h.contentLength < 0 && h.location != "" &&
		h.location[0] == '/' && !strings.HasPrefix(h.location, "//")
}

// A headerError is a header block the server cannot turn into a response
// (answered 502 Bad Gateway). Its text is for the error log only.
type headerError struct{ reason string }

func (e *headerError) Error() string { return "cgihost: script output: " + e.reason }

func badHeader(reason string) error { return &headerError{reason} }

// errHeaderTooLarge is a header block over the limit.
var errHeaderTooLarge = badHeader("header block too large")

// parseHeader reads the header block from br, at most max bytes of it, line
// ends included. Lines may end in CRLF or, as most scripts write them, a
// bare LF (RFC 3875 6.1 allows both). It refuses what would make an
// ambiguous or dangerous response: a line that is not "name: value", a
// control character in a value, two different values for a field that
// must have one, a bad Status or Content-Length. Errors from br other than
// io.EOF are returned as they are (the caller knows whether the script was
// killed); an output that ends before the empty line is a headerError.
func parseHeader(br *bufio.Reader, max int) (header, error) {
	h := header{contentLength: -1}
	left := max
	for {
		line, err := readLine(br, &left)
		if err != nil {
			return header{}, err
		}
		if line == "" {
			if len(h.fields) == 0 && h.status == 0 && h.contentLength < 0 {
				return header{}, badHeader("empty header block")
			}
			return h, nil
		}
		name, value, err := parseField(line)
		if err != nil {
			return header{}, err
		}
		switch {
		case strings.EqualFold(name, "Status"):
			// Status = "Status:" status-code SP reason-phrase NL   (RFC 3875 6.3.3)
			if h.status != 0 {
				return header{}, badHeader("repeated Status")
			}
			if h.status, err = parseStatus(value); err != nil {
				return header{}, err
			}
		case strings.EqualFold(name, "Content-Length"):
			// Content-Length = 1*DIGIT   (RFC 9110 8.6), as in a request
			n, ok := httpmsg.ParseDecimal(value)
			if !ok || (h.contentLength >= 0 && h.contentLength != n) {
				return header{}, badHeader("bad Content-Length " + strconv.Quote(value))
			}
			h.contentLength = n
		case strings.EqualFold(name, "Location"):
			// Location = "Location:" ( fragment-URI | local-pathquery ) NL   (RFC 3875 6.3.2)
			if h.location != "" {
				return header{}, badHeader("repeated Location")
			}
			if value == "" {
				return header{}, badHeader("empty Location")
			}
			h.location = value
			h.fields = append(h.fields, httpmsg.Field{Name: name, Value: value})
		default:
			h.fields = append(h.fields, httpmsg.Field{Name: name, Value: value})
		}
	}
}

// readLine returns the next line of the block without its line end,
// charging its bytes to *left.
func readLine(br *bufio.Reader, left *int) (string, error) {
	var long []byte // a line longer than br's buffer, gathered piece by piece
	for {
		piece, err := br.ReadSlice('\n')
		*left -= len(piece)
		if *left < 0 {
			return "", errHeaderTooLarge
		}
		switch {
		case err == bufio.ErrBufferFull:
			long = append(long, piece...)
			continue
		case err == io.EOF:
			return "", badHeader("output ended inside the header block")
		case err != nil:
			return "", err
		}
		if long != nil {
			piece = append(long, piece...)
		}
		piece = bytes.TrimSuffix(piece[:len(piece)-1], []byte{'\r'})
		return string(piece), nil
	}
}

// parseField splits "Name: value". Whitespace before the colon is refused,
// as RFC 9112 5.1 requires of HTTP; whitespace around the value is not
// part of it.
func parseField(line string) (name, value string, err error) {
	name, value, found := strings.Cut(line, ":")
	if !found || name == "" || !httpmsg.IsToken(name) {
		return "", "", badHeader("not a header line: " + strconv.Quote(truncate(line, 80)))
	}
	value = strings.Trim(value, " \t")
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return "", "", badHeader("control character in the value of " + name)
		}
	}
	return name, value, nil
}

// parseStatus reads "404 Not Found" (the reason phrase is optional). The
// code must be a final status a response can carry: 200 to 599.
//
//	status-code = 3DIGIT   (RFC 9110 15)
func parseStatus(v string) (int, error) {
	code, _, _ := strings.Cut(v, " ")
	n, ok := httpmsg.ParseDecimal(code)
	if !ok || len(code) != 3 || n < 200 || n > 599 {
		return 0, badHeader("bad Status " + strconv.Quote(truncate(v, 40)))
	}
	return int(n), nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// isHeaderError reports whether err is a bad header block.
func isHeaderError(err error) bool {
	var he *headerError
	return errors.As(err, &he)
}
