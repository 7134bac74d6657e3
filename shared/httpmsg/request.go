package httpmsg

import (
	"io"
	"strconv"
	"strings"
	"time"
)

// Limits bound how much of a request a Reader will hold or read, so that a
// hostile client cannot make the server use unbounded memory. A zero (or
// negative) field means the default from DefaultLimits.
type Limits struct {
	MaxLineBytes   int   // longest request line or header line, without CRLF; default 8192
	MaxHeaderBytes int   // whole header section; default 32 KiB
	MaxFields      int   // number of header fields; default 100
	MaxBodyBytes   int64 // largest body (Content-Length or decoded chunked); default 64 MiB
}

// DefaultLimits returns the limits used for every zero field of the Limits
// given to NewReader. MaxLineBytes matches the course's 8192-byte header line.
func DefaultLimits() Limits {
	return Limits{
		MaxLineBytes:   8192,
		MaxHeaderBytes: 32 << 10,
		MaxFields:      100,
		MaxBodyBytes:   64 << 20,
	}
}

// withDefaults returns l with every zero or negative field set to its default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxFields <= 0 {
		l.MaxFields = d.MaxFields
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	return l
}

// Field is one header field line.
type Field struct{ Name, Value string } // Name as sent; Value with surrounding OWS removed

// Header holds the header fields of a request in arrival order. It is a
// slice rather than a map because order matters for repeated fields and a
// request has few fields: a linear scan is faster than hashing them.
type Header []Field // in arrival order

// Get returns the value of the first field called name (compared
// case-insensitively, as RFC 9110 5.1 says field names are), or "" if there
// is none.
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Has reports whether a field called name is present, even with an empty
// value (which Get cannot tell from a missing field).
func (h Header) Has(name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// Values returns the values of every field called name, in arrival order,
// or nil if there is none. Values are not split at commas: a caller that
// wants list elements splits each value itself.
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Request is one parsed request head plus a reader for its body. Its
// strings are never overwritten, so they stay valid after the next
// ReadRequest; Body and the storage of Header are reused by it.
type Request struct {
	// Method is a token as sent, case-sensitive ("GET"). ANY valid token is
	// accepted here: the server, not the parser, answers 501 for methods it
	// does not implement.
	Method string

	Target string // request-target as sent

	// Path is the path of the target, decoded and cleaned by DecodePath:
	// "/a b/c" for "/a%20b%2Fc", "/index.html" for "/cgi/../index.html".
	// Routers and handlers use it to find what the request names. It is
	// "/" for an absolute-form target without a path, "*" for "OPTIONS *"
	// and "" for CONNECT, as in net/http's URL.Path.
	Path string
	// RawPath is the path part of the target as sent, still
	// percent-encoded ("/a%20b%2Fc"). It is what goes back out where a
	// URL is wanted (a Location, a CGI script's REQUEST_URI). Unlike
	// net/http's URL.RawPath it is always set, not only when it differs
	// from the default encoding of Path.
	RawPath string

	RawQuery string // after the first '?', without it, still encoded; "" if none
	Proto    string // "HTTP/1.1" or "HTTP/1.0"
	Minor    int    // 1 or 0
	Header   Header // every field line, Host and framing fields included
	Host     string // from the Host field, or from an absolute-form target (RFC 9112 3.2.2); "" if neither names one

	ContentLength int64 // body length; -1 when chunked; 0 when there is no body
	Chunked       bool  // the body has the chunked transfer coding (RFC 9112 7.1)

	// Close: the connection must close after the answer: "Connection:
	// close", or HTTP/1.0 without "Connection: keep-alive".
	Close bool

	// Expect100: "Expect: 100-continue" was sent (HTTP/1.1); the server
	// sends 100 before reading Body.
	Expect100 bool

	// Body is never nil. It yields the decoded body then io.EOF, and never
	// reads past the body, so a pipelined next request stays in the
	// buffered reader. It is valid until the next ReadRequest.
	Body io.Reader

	// Arrived is set by the server, not the parser: a moment by which the
	// request had begun to arrive (its first bytes had reached the
	// server), never one before the client sent it. The server takes it
	// when it sees the bytes waiting, or after the read that brought them;
	// requests seen or read together share it, and package static relies
	// on that to check a cached file once for all of them.
	Arrived time.Time
}

// StatusError is a request the server must refuse with Code; Reason is a
// short public text, safe to show to the client (never internal details).
type StatusError struct {
	Code   int
	Reason string
}

// Error returns "httpmsg: <code> <reason>".
func (e *StatusError) Error() string {
	return "httpmsg: " + strconv.Itoa(e.Code) + " " + e.Reason
}

// The status codes this package produces, named as in RFC 9110 section 15.
// They are not exported: net/http has the same names for callers.
const (
	statusBadRequest                  = 400
	statusLengthRequired              = 411
	statusContentTooLarge             = 413
	statusURITooLong                  = 414
	statusExpectationFailed           = 417
	statusRequestHeaderFieldsTooLarge = 431
	statusNotImplemented              = 501
	statusHTTPVersionNotSupported     = 505
)

// badRequest returns the error for a syntax error: 400 with reason.
func badRequest(reason string) *StatusError {
	return &StatusError{Code: statusBadRequest, Reason: reason}
}
